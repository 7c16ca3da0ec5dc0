"""Questionnaire page: answer the questions, watch the verdict and its reasons update."""

from __future__ import annotations

from typing import Any

import streamlit as st
import yaml

from advisor.conditions import holds
from advisor.decision.engine import Recommendation
from advisor.decision.loader import RuleSet
from advisor.decision.questions import Question, validate_answers
from advisor.errors import AdvisorError
from advisor.options import OPTIONS
from advisor.ui import state, wording
from advisor.yamlio import parse_yaml

KEY = "qn_"  # session-state prefix of this page's widgets


def _widget(q: Question, current: Any) -> Any:
    key, label, help_ = KEY + q.id, q.text, q.help or None
    if q.type == "single":
        values = q.values
        index = values.index(current) if current in values else values.index(q.default)
        return st.selectbox(label, values, index=index, key=key, help=help_, format_func=q.label_of)
    if q.type == "multi":
        return st.multiselect(
            label,
            q.values,
            default=current if current is not None else q.default,
            key=key,
            help=help_,
            format_func=lambda v: q.label_of([v]),
        )
    if q.type == "number":
        return _number(q, current)
    return st.toggle(
        label, value=bool(current if current is not None else q.default), key=key, help=help_
    )


def _number(q: Question, current: Any) -> float | int:
    # Whole-number questions (counts, milliseconds) show as integers, not "3000.00".
    cast = int if wording.is_whole(q) else float
    value = st.number_input(
        f"{q.text} ({q.unit})" if q.unit else q.text,
        min_value=cast(q.min),
        max_value=cast(q.max),
        value=cast(current if current is not None else q.default),
        step=cast(q.step),
        format="%d" if cast is int else None,
        key=KEY + q.id,
        help=q.help or None,
    )
    if abs(value) >= 1000:  # the input box cannot group digits: say it once, readably
        st.caption(q.label_of(value))
    return value


def _load_yaml(rules: RuleSet) -> None:
    upload = st.file_uploader("Load answers (YAML)", type=["yaml", "yml"], key=KEY + "upload")
    if upload is None or st.session_state.get(KEY + "loaded") == upload.file_id:
        return
    try:
        raw, lines = parse_yaml(upload.getvalue().decode("utf-8"), upload.name)
        good, problems = validate_answers(rules.questionnaire, raw, lines)
    except (AdvisorError, UnicodeDecodeError) as exc:
        st.error(str(exc))
        return
    for p in problems:
        st.error(str(p))
    if not problems:
        for key in [k for k in st.session_state if k.startswith(KEY) and k != KEY + "upload"]:
            del st.session_state[key]  # widgets take the loaded values on this run
        state.answers().clear()
        state.answers().update(good)
        st.session_state[KEY + "loaded"] = upload.file_id
        st.success(f"Loaded {len(good)} answers from {upload.name}.")


def render() -> None:
    """Questions on the left, the live verdict on the right."""
    st.title("Should you use RAG, fine-tune, both, or fix the prompt?")
    rules = state.rules_or_error()
    if rules is None:
        return
    left, right = st.columns([3, 2], gap="large")
    saved = state.answers()
    answers: dict[str, Any] = {}
    with left:
        with st.expander("Save or load answers"):
            _load_yaml(rules)
            saved = state.answers()
        titles = {s.id: s.title for s in rules.questionnaire.sections}
        section = None
        for q in rules.questionnaire.questions:
            # Follow-ups appear only when their condition holds for the answers so far.
            if q.ask_when is not None and not holds(q.ask_when, answers):
                continue
            if q.section != section:
                section = q.section
                st.subheader(titles[section])
            value = _widget(q, saved.get(q.id))
            answers[q.id] = (
                int(value) if q.type == "number" and float(value).is_integer() else value
            )
    saved.clear()
    saved.update(answers)
    with left:
        st.download_button(
            "Download answers (YAML)",
            yaml.safe_dump(answers, sort_keys=False),
            "answers.yaml",
            "text/yaml",
            key=KEY + "download",
        )
    with right:
        try:
            rec = state.recommendation(rules)
        except AdvisorError as exc:  # e.g. a cost input edited out of range
            st.error(str(exc))
            return
        _verdict(rules, rec)


def _verdict(rules: RuleSet, rec: Recommendation) -> None:
    with st.container(key=KEY + "verdict"):
        st.caption("Recommendation")
        st.header(rec.label, anchor=False)
    for o in rec.ranking:  # by score, full labels
        st.progress(rec.scores[o], text=f"{OPTIONS[o]}: {rec.scores[o]:.0%}")
    if rec.tie or rec.near_ties:
        close = ", ".join(OPTIONS[o] for o in (rec.tie or rec.near_ties))
        st.info(f"Close call: {close} within {rules.book.near_tie_margin:.0%} of the winner.")
    for w in rec.warnings:
        st.warning(f"**{w.title}.** {w.message}  \n*Fix:* {w.fix}")
    _why(rules, rec)
    st.markdown("**What would flip it**")
    if rec.flips:
        st.markdown("\n".join(f"- {wording.flip_line(rules, f)}" for f in rec.flips))
    else:
        st.caption("No single changed answer flips this verdict.")
    st.markdown("**Next steps**")
    st.markdown("\n".join(f"{i}. {s.text}" for i, s in enumerate(rec.next_steps, 1)))


def _why(rules: RuleSet, rec: Recommendation) -> None:
    weighing = wording.weighing(rec)
    st.markdown(f"**Why: {wording.plural(len(weighing), 'rule')} behind the verdict**")
    for f in weighing:
        with st.expander(f"{f.title} ({wording.weights(f)})"):
            st.markdown("\n".join(f"- {r}" for r in wording.reasons(rules, rec, f)))
            st.caption(f.rationale)
            quote = wording.plain_symbols(f.source.quote)
            title = wording.source_title(rules, f.source.seed)
            st.markdown(f"> {quote}  \n> — *{title}*")
