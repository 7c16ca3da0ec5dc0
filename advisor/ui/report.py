"""Report page: preview the recommendation, then download it as HTML, Markdown, JSON (and PDF)."""

from __future__ import annotations

import hashlib
import json

import streamlit as st

from advisor.errors import AdvisorError
from advisor.ui import state
from advisor.ui.wording import plural

KEY = "rep_"
FORMATS = (("html", "text/html"), ("md", "text/markdown"), ("json", "application/json"))


def render() -> None:
    from advisor.report.render import chromium_path
    from advisor.report.render import render as render_report

    st.title("Recommendation report")
    st.caption(
        "Everything a decision-maker needs, in one file: the answers, the verdict and "
        "why, warnings, costs (with this workspace's prices and horizon), and the demos "
        "you ran in this workspace."
    )
    rules = state.rules_or_error()
    if rules is None:
        return
    try:
        report = state.report(rules)
    except AdvisorError as exc:
        st.error(str(exc))
        return
    rec = report.recommendation
    with st.container(key=KEY + "verdict"):
        st.caption("Recommendation")
        st.header(rec["label"], anchor=False)
    if rec["starting_point_text"]:
        st.caption(rec["starting_point_text"])
    weighing = [f for f in rec["fired"] if f["evidence"]]  # as the questionnaire counts
    st.write(
        (
            f"{plural(len(weighing), 'rule')} behind the verdict, "
            if weighing
            else "no rule behind the verdict yet, "
        )
        + f"{plural(len(rec['warnings']), 'warning')}, "
        f"costs over {report.costs['horizon_months']} months, "
        f"{plural(len(report.rag_answers), 'RAG answer')}, LoRA run: "
        + (f"adapter {report.lora_run['adapter']}" if report.lora_run else "none")
        + (
            f", comparison {report.comparison['stamp']['id']} "
            f"(of {report.comparison['stamp']['started_at']})"
            if report.comparison
            else ", no comparison"
        )
        + "."
    )
    cols = st.columns(4)
    for col, (fmt, mime) in zip(cols, FORMATS, strict=False):
        col.download_button(
            f"Download .{fmt}",
            render_report(report, fmt),
            f"recommendation.{fmt}",
            mime,
            key=KEY + fmt,
        )
    _pdf(cols[3], report, chromium_path() is not None)
    st.subheader("Preview", anchor=False)
    st.caption("The Markdown download as it reads; the HTML and PDF add the charts.")
    with st.container(height=640, border=True, key=KEY + "preview"):
        st.markdown(render_report(report, "md").decode())


def _pdf(col, report, available: bool) -> None:
    from advisor.report.render import render as render_report

    if not available:
        col.caption("PDF needs Chromium installed.")
        return
    # A PDF printed before the answers or prices changed is not offered any more.
    content = report.model_dump(mode="json", exclude={"stamp"})
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    if col.button("Make PDF", key=KEY + "pdf_make"):
        with st.spinner("Printing with headless Chromium"):
            try:
                st.session_state[KEY + "pdf"] = (digest, render_report(report, "pdf"))
            except AdvisorError as exc:
                col.error(str(exc))
    made = st.session_state.get(KEY + "pdf")
    if made and made[0] == digest:
        col.download_button(
            "Download .pdf",
            made[1],
            "recommendation.pdf",
            "application/pdf",
            key=KEY + "pdf_dl",
        )
