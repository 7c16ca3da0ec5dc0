"""Your documents (RAG): upload or use the demo corpus, preview chunks, ask, forget."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from advisor.errors import AdvisorError
from advisor.ui import state

KEY = "docs_"
DEMO = Path(__file__).resolve().parents[2] / "demo_corpus"


def _ingest(run) -> None:
    bar = st.progress(0.0, text="Loading, chunking, embedding...")

    def progress(stage: str, done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=f"Ingesting: {done} of {total} files")

    with st.spinner("The embedding model loads on first use"):
        results = run(progress)
    bar.empty()
    st.session_state[KEY + "results"] = [r.__dict__ for r in results]


def render() -> None:
    st.title("RAG on your own documents")
    try:
        pipeline = state.pipeline()
    except AdvisorError as exc:
        st.error(str(exc))
        return
    st.caption(
        f"Workspace `{pipeline.store.name}`: only this browser session sees these documents."
    )
    up, demo = st.columns([3, 1])
    with up:
        files = st.file_uploader(
            "Upload documents (PDF, DOCX, HTML, Markdown, text)",
            accept_multiple_files=True,
            key=KEY + "upload",
        )
        if st.button("Ingest uploaded files", disabled=not files, key=KEY + "ingest"):
            _ingest(lambda p: pipeline.ingest_bytes([(f.name, f.getvalue()) for f in files], p))
    with demo:
        st.write("")
        if st.button("Use the demo corpus", key=KEY + "demo", help=str(DEMO)):
            _ingest(lambda p: pipeline.ingest([DEMO], p))
    results = st.session_state.get(KEY + "results")
    if results:
        bad = [r for r in results if r["status"] == "error"]
        for r in bad:
            st.error(f"{r['name']}: {r['message']}")
        st.dataframe(results, hide_index=True, use_container_width=True)
    docs = pipeline.documents()
    if not docs:
        st.info("No documents yet: upload some, or use the demo corpus.")
        return
    st.subheader(f"{len(docs)} documents, {sum(docs.values())} chunks")
    left, right = st.columns(2)
    with left:
        chosen = st.selectbox("Preview the chunks of", list(docs), key=KEY + "preview")
        st.dataframe(
            [
                {
                    "chunk": c.chunk,
                    "tokens": c.tokens,
                    "page": c.page or "",
                    "heading": c.heading,
                    "text": c.text,
                }
                for c in pipeline.store.chunks_of(chosen)
            ],
            hide_index=True,
            use_container_width=True,
            height=220,
        )
    with right:
        gone = st.selectbox("Forget a document", list(docs), key=KEY + "forget_pick")
        if st.button("Forget it", key=KEY + "forget"):
            n = pipeline.forget(gone)
            st.success(f"Removed {gone} ({n} chunks). The next question will not see it.")
            st.rerun()
    _ask(pipeline)


def _ask(pipeline) -> None:
    st.subheader("Ask")
    q = st.text_input(
        "Question",
        key=KEY + "question",
        placeholder="How long do customers have to return hardware?",
    )
    c1, c2 = st.columns(2)
    mode = c1.radio("Retrieval", ["hybrid", "dense", "bm25"], horizontal=True, key=KEY + "mode")
    k = c2.slider("Chunks", 1, 10, 5, key=KEY + "k")
    if st.button("Answer", key=KEY + "answer"):
        if not q.strip():
            st.warning("Type a question first.")
            return
        with st.spinner("Answering (the model loads on first use, about 20 s the very first time)"):
            try:
                answer = pipeline.ask(q, k, mode)
            except AdvisorError as exc:
                st.error(str(exc))
                return
        st.session_state.setdefault("rag_answers", []).append(answer)
        st.session_state[KEY + "last"] = answer
    answer = st.session_state.get(KEY + "last")
    if answer is None:
        return
    with st.container(key=KEY + "answer_box"):
        st.markdown(f"**{answer.text}**")
    note = (
        " (citation added by attribution: the model did not cite)" if answer.citation_added else ""
    )
    st.caption(f"Answered by `{answer.backend}`{note}")
    if answer.fallback_reason:
        st.warning(
            f"Ollama was configured but unreachable; the embedded model answered. "
            f"{answer.fallback_reason}"
        )
    for s in answer.sources:
        page = f", page {s.page}" if s.page else ""
        scores = ", ".join(f"{k} {v:.3g}" for k, v in s.scores.items())
        with st.expander(f"[{s.n}] {s.document}{page} · {s.heading}", expanded=s.n in answer.cited):
            st.write(s.text)
            st.caption(scores)
    st.caption(
        "Timings: " + " · ".join(f"{k} {v * 1000:.0f} ms" for k, v in answer.timings.items())
    )
