"""Questionnaire page: answer the questions, watch the verdict and its reasons update."""

from __future__ import annotations

from typing import Any

import streamlit as st
import yaml

from advisor.conditions import holds, iter_matches
from advisor.decision.engine import Recommendation
from advisor.decision.loader import RuleSet
from advisor.decision.questions import Question, resolve, validate_answers
from advisor.decision.text import starting_point_text
from advisor.errors import AdvisorError
from advisor.options import OPTIONS
from advisor.ui import state, wording
from advisor.yamlio import parse_yaml

KEY = "qn_"  # session-state prefix of this page's widgets


UNANSWERED = "— not answered —"


def _widget(q: Question, current: Any) -> Any:
    """One question's input; every question can stay unanswered (None), which is not
    "no": rules never see it, and an assumption only fills the cost estimate."""
    key, label, help_ = KEY + q.id, q.text, q.help or None
    if q.type in ("single", "yes_no"):
        options = [None, *q.values]
        index = options.index(current) if current in options else 0
        return st.selectbox(
            label,
            options,
            index=index,
            key=key,
            help=help_,
            format_func=lambda v: UNANSWERED if v is None else q.label_of(v),
        )
    if q.type == "multi":
        chosen = st.multiselect(
            label,
            q.values,
            default=current or [],
            key=key,
            help=help_,
            placeholder="Not answered",
            format_func=lambda v: q.label_of([v]),
        )
        return chosen or None
    return _number(q, current)


def _number(q: Question, current: Any) -> float | int | None:
    # Whole-number questions (counts, milliseconds) show as integers, not "3000.00".
    cast = int if wording.is_whole(q) else float
    assumed = f" (assumed {q.label_of(q.default)} for costs)" if q.default is not None else ""
    value = st.number_input(
        f"{q.text} ({q.unit})" if q.unit else q.text,
        min_value=cast(q.min),
        max_value=cast(q.max),
        value=None if current is None else cast(current),
        step=cast(q.step),
        format="%d" if cast is int else None,
        key=KEY + q.id,
        help=q.help or None,
        placeholder=f"Not answered{assumed}",
    )
    if value is not None and abs(value) >= 1000:  # the box cannot group digits
        st.caption(q.label_of(value))
    return value


def _load_yaml(rules: RuleSet) -> None:
    upload = st.file_uploader("Load answers (YAML)", type=["yaml", "yml"], key=KEY + "upload",
                              max_upload_size=state.yaml_upload_mb())  # fmt: skip
    if upload is None or st.session_state.get(KEY + "loaded") == upload.file_id:
        return
    try:
        raw, lines = parse_yaml(upload.getvalue().decode("utf-8"), upload.name)
        good, problems = validate_answers(rules.questionnaire, raw, lines)
    except AdvisorError as exc:  # hostile YAML too: parse_yaml's limits, one line
        st.error(str(exc))
        return
    except UnicodeDecodeError as exc:
        st.error(f"{upload.name}: not UTF-8 text (byte {exc.start}: {exc.reason})")
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
        shown: dict[str, Any] = {}  # answers so far, with what they imply
        for q in rules.questionnaire.questions:
            # Follow-ups appear when their condition holds for the answers so far, or
            # when they were answered while the parent question is still open.
            hidden = q.ask_when is not None and not holds(q.ask_when, shown)
            if hidden and (q.id not in saved or _contradicted(q, shown)):
                continue
            if q.section != section:
                section = q.section
                st.subheader(titles[section])
            value = _widget(q, saved.get(q.id))
            if value is None:
                continue
            answers[q.id] = (
                int(value) if q.type == "number" and float(value).is_integer() else value
            )
            shown = resolve(rules.questionnaire, answers).values
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
    with right, st.container(key=KEY + "panel"):
        try:
            rec = state.recommendation(rules)
        except AdvisorError as exc:  # e.g. a cost input edited out of range
            st.error(str(exc))
            return
        _verdict(rules, rec)


def _contradicted(q: Question, shown: dict[str, Any]) -> bool:
    """Whether an answered parent rules this follow-up out (not merely unanswered)."""
    assert q.ask_when is not None
    return all(shown.get(m.question) is not None for _, m in iter_matches(q.ask_when))


def _verdict(rules: RuleSet, rec: Recommendation) -> None:
    with st.container(key=KEY + "verdict"):
        st.caption("Recommendation")
        st.header(rec.label, anchor=False)
    ruled = {r.option: r for r in rec.ruled_out}
    if rec.starting_point:
        # Only the prior speaks: a share of 100% would read as a measured certainty.
        st.caption(starting_point_text(rec))
    for o in [] if rec.starting_point else rec.ranking:  # by score, full labels
        if o in ruled:
            st.progress(0.0, text=f"{OPTIONS[o]}: ruled out ({ruled[o].title.lower()})")
        else:
            st.progress(rec.scores[o], text=f"{OPTIONS[o]}: {rec.scores[o]:.0%}")
    if rec.tie:
        both = " and ".join(OPTIONS[o] for o in rec.tie)
        st.info(f"A tie: {both} fit your answers equally well. The questions below can "
                "separate them.")  # fmt: skip
    elif rec.near_ties:
        close = ", ".join(OPTIONS[o] for o in rec.near_ties)
        st.info(f"Close call: {close} within {rules.book.near_tie_margin:.0%} of the winner.")
    _basis(rec)
    for option, r in ruled.items():
        with st.expander(f"Ruled out: {OPTIONS[option]}"):
            st.markdown(f"**{r.title}.** {r.rationale}")
            st.markdown("\n".join(f"- {rules.questions[a.question].text} **{a.shown}**"
                                   for a in r.answers))  # fmt: skip
            st.markdown(wording.quote_markdown(rules, r.source))
    for w in rec.warnings:
        st.warning(f"**{w.title}.** {w.message}  \n*Fix:* {w.fix}")
    _why(rules, rec)
    _measured(rules)
    st.markdown("**What would flip it**")
    if rec.flips:
        st.markdown("\n".join(f"- {wording.flip_line(rules, f)}" for f in rec.flips))
    else:
        st.caption("No single changed answer flips this verdict.")
    if rec.next_questions:
        with st.container(key=KEY + "next"):
            st.markdown("**Answer these next: they can change the result**")
            st.markdown("\n".join(
                f"- {n.text} ({n.share:.0%} of its answers lead to "
                f"{' or '.join(OPTIONS[o] for o in n.could_become)})"
                for n in rec.next_questions))  # fmt: skip
    st.markdown("**Next steps**")
    st.markdown("\n".join(f"{i}. {s.text}" for i, s in enumerate(rec.next_steps, 1)))


def _basis(rec: Recommendation) -> None:
    """What the verdict rests on: said, implied, assumed, and still open."""
    given, implied = rec.by_origin("given"), rec.by_origin("implied")
    assumed, unknown = rec.by_origin("assumed"), rec.by_origin("unknown")
    parts = [f"{wording.plural(len(given), 'answer')} given"]
    if implied:
        parts.append(f"{len(implied)} implied")
    parts.append(f"{len(unknown) + len(assumed)} not answered")
    with st.container(key=KEY + "basis"):
        st.caption("Based on " + ", ".join(parts) + ". Unanswered questions count for nothing.")
        for a in implied:
            st.caption(f"Implied: {a.text} **{a.shown}** ({a.reason})")
        if assumed:
            st.caption("Assumed for the cost estimate only (you did not say): " + "; ".join(
                f"{a.text} {a.assumed}" for a in assumed))  # fmt: skip


def _why(rules: RuleSet, rec: Recommendation) -> None:
    weighing = wording.weighing(rec)
    if not weighing:
        return  # said above: a starting point, no rule behind it
    st.markdown(f"**Why: {wording.plural(len(weighing), 'rule')} behind the verdict**")
    for f in weighing:
        with st.expander(f"{f.title} ({wording.weights(f)})"):
            st.markdown("\n".join(f"- {r}" for r in wording.reasons(rules, rec, f)))
            st.caption(f.rationale)
            st.markdown(wording.quote_markdown(rules, f.source))


def _measured(rules: RuleSet) -> None:
    """What the workspace's latest comparison did to this verdict (its measured rules
    fired above, under Why, with their figures)."""
    run = state.comparison()
    if run is None:
        return
    from advisor.advice import measured_effect
    from advisor.compare.text import headline_pair

    facts = state.evidence()
    effect = measured_effect(
        rules, state.answers(), evidence=facts, prices=state.price_sheet(rules),
        cost_overrides=state.cost_overrides(),
    )  # fmt: skip
    with st.container(key=KEY + "measured"):
        st.markdown("**Measured on your documents**")
        st.caption(
            f"The comparison of {run.started_at} ({wording.plural(len(run.rows), 'question')}, "
            f"{', '.join(run.arms)}): " + effect.sentence(facts, headline_pair(run))
        )
