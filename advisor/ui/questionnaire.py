"""Questionnaire page: answer the questions, watch the verdict and its reasons update."""

from __future__ import annotations

from typing import Any

import streamlit as st

from advisor.decision.conditions import holds
from advisor.decision.engine import advise
from advisor.decision.loader import RuleSet, load_rules_cached
from advisor.decision.questions import Question
from advisor.decision.rules import OPTIONS
from advisor.errors import AdvisorError
from advisor.settings import get_settings

KEY = "qn_"  # session-state prefix of this page


@st.cache_resource(show_spinner=False)
def _rules(folder: str) -> RuleSet:
    return load_rules_cached(folder)  # read-only, shared by all sessions


def _widget(q: Question) -> Any:
    key = KEY + q.id
    label = q.text
    if q.type == "single":
        values = q.values
        return st.selectbox(label, values, index=values.index(q.default), key=key,
                            help=q.help or None, format_func=q.label_of)
    if q.type == "multi":
        return st.multiselect(label, q.values, default=q.default, key=key, help=q.help or None,
                              format_func=lambda v: q.label_of([v]))
    if q.type == "number":
        return st.number_input(label, min_value=float(q.min), max_value=float(q.max),
                               value=float(q.default), step=float(q.step), key=key,
                               help=(q.help + f" ({q.unit})").strip() if q.unit else q.help or None)
    return st.toggle(label, value=bool(q.default), key=key, help=q.help or None)


def render() -> None:
    """Questions on the left, the live verdict on the right."""
    st.title("Should you use RAG, fine-tune, both, or fix the prompt?")
    try:
        rules = _rules(str(get_settings().rules_dir))
    except AdvisorError as exc:
        st.error(str(exc))
        return
    left, right = st.columns([3, 2], gap="large")
    answers: dict[str, Any] = {}
    with left:
        titles = {s.id: s.title for s in rules.questionnaire.sections}
        section = None
        for q in rules.questionnaire.questions:
            # Follow-ups appear only when their condition holds for the answers so far.
            if q.ask_when is not None and not holds(q.ask_when, answers):
                continue
            if q.section != section:
                section = q.section
                st.subheader(titles[section])
            answers[q.id] = _widget(q)
    with right:
        _verdict(rules, answers)


def _verdict(rules: RuleSet, answers: dict[str, Any]) -> None:
    rec = advise(rules, answers)
    st.metric("Recommendation", rec.label)
    st.bar_chart({OPTIONS[o]: rec.scores[o] for o in rec.ranking}, horizontal=True)
    if rec.tie or rec.near_ties:
        close = ", ".join(OPTIONS[o] for o in (rec.tie or rec.near_ties))
        st.info(f"Close call: {close} scores within {rules.book.near_tie_margin:.0%}.")
    for w in rec.warnings:
        st.warning(f"**{w.title}.** {w.message} *Fix:* {w.fix}")
    st.markdown("**Why**")
    for f in rec.fired:
        if f.evidence:
            with st.expander(f.title):
                st.markdown("\n".join(f"- {b}" for b in f.because))
                st.caption(f'{f.source.seed}: "{f.source.quote}"')
    st.markdown("**Next steps**")
    st.markdown("\n".join(f"{i}. {s.text}" for i, s in enumerate(rec.next_steps, 1)))
    if rec.flips:
        st.markdown("**One answer that would flip the verdict**")
        st.markdown("\n".join(f"- {f.question} = {f.shown} → {OPTIONS[f.recommendation]}"
                              for f in rec.flips))
