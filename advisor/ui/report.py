"""Report page: download the recommendation as HTML, Markdown, JSON (and PDF)."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from advisor.errors import AdvisorError
from advisor.ui import state

KEY = "rep_"


def render() -> None:
    from advisor.report.model import build_report
    from advisor.report.render import chromium_path
    from advisor.report.render import render as render_report

    st.title("Recommendation report")
    st.caption(
        "Everything a decision-maker needs, in one file: the answers, the verdict and "
        "why, warnings, costs, and the demos you ran in this session."
    )
    rules = state.rules_or_error()
    if rules is None:
        return
    try:
        rag = [asdict(a) for a in st.session_state.get("rag_answers", [])]
        report = build_report(
            rules, state.answers(), rag_answers=rag, lora_run=st.session_state.get("lora_run")
        )
    except AdvisorError as exc:
        st.error(str(exc))
        return
    rec = report.recommendation
    st.metric("Recommendation", rec["label"])

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    st.write(
        f"{n(len(rec['fired']), 'rule')} fired, {n(len(rec['warnings']), 'warning')}, "
        f"{n(len(rag), 'RAG answer')}, LoRA run: {'yes' if report.lora_run else 'no'}."
    )
    cols = st.columns(4)
    for col, (fmt, mime) in zip(
        cols,
        (("html", "text/html"), ("md", "text/markdown"), ("json", "application/json")),
        strict=False,
    ):
        col.download_button(
            f"Download .{fmt}",
            render_report(report, fmt),
            f"recommendation.{fmt}",
            mime,
            key=KEY + fmt,
        )
    if chromium_path():
        if cols[3].button("Make PDF", key=KEY + "pdf_make"):
            with st.spinner("Printing with headless Chromium"):
                st.session_state[KEY + "pdf"] = render_report(report, "pdf")
        if st.session_state.get(KEY + "pdf"):
            cols[3].download_button(
                "Download .pdf",
                st.session_state[KEY + "pdf"],
                "recommendation.pdf",
                "application/pdf",
                key=KEY + "pdf_dl",
            )
    else:
        cols[3].caption("PDF needs Chromium installed.")
