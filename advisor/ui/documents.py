"""Your documents (RAG): upload or use the demo corpus, preview chunks, ask, forget."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from advisor.errors import AdvisorError
from advisor.rag.documents import document_id
from advisor.ui import state, wording

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
        f"Workspace `{pipeline.store.name}`: anyone with this page's link (its `?ws=` id) "
        "opens these documents, so share the link only with people who may read them."
    )
    _flash()
    _sources(pipeline)
    docs = pipeline.documents()
    if not docs:
        st.info("No documents yet: upload some, or use the demo corpus.")
        return
    st.subheader(
        f"{wording.plural(len(docs), 'document')}, {wording.plural(sum(docs.values()), 'chunk')}"
    )
    _preview(pipeline, docs)
    _forget(pipeline, docs)
    _ask(pipeline)


def _flash() -> None:
    """A message from the previous run (it ended with st.rerun, which clears the page)."""
    message = st.session_state.pop(KEY + "flash", None)
    if message:
        st.success(message)


def _sources(pipeline) -> None:
    up, demo = st.columns([3, 1])
    with up:
        files = st.file_uploader(
            "Upload documents (PDF, DOCX, HTML, Markdown, text)",
            accept_multiple_files=True,
            key=KEY + "upload",
            max_upload_size=state.document_upload_mb(),
        )
        if st.button("Ingest uploaded files", disabled=not files, key=KEY + "ingest"):
            _offer(pipeline, "upload", _items("upload", files))
    with demo:
        st.write("")
        help_ = "The demo documents of a fictional drone maker: PDF, DOCX, HTML, Markdown, text."
        if st.button("Use the demo corpus", key=KEY + "demo", help=help_):
            _offer(pipeline, "demo", _items("demo", files))
    _confirm_replace(pipeline, files)
    results = st.session_state.get(KEY + "results")
    if results:
        for r in results:
            if r["status"] == "error":
                st.error(f"{r['name']}: {r['message']}")
        st.dataframe(results, hide_index=True, width="stretch")


def _items(source: str, files) -> list[tuple[str, bytes]]:
    """(name, content) of the uploaded files, or of the demo corpus's documents."""
    if source == "upload":
        return [(f.name, f.getvalue()) for f in files or []]
    from advisor.rag.pipeline import expand_paths

    return [(p.name, p.read_bytes()) for p in expand_paths([DEMO])]


def _offer(pipeline, source: str, items: list[tuple[str, bytes]]) -> None:
    """Ingest, unless a file would replace a different stored file of the same name
    (another folder's, or the demo's): then ask first, below the buttons."""
    stored = pipeline.store.stored_doc_ids([name for name, _ in items])
    clashes = [n for n, data in items if stored.get(n) not in (None, document_id(n, data))]
    if clashes:
        st.session_state[KEY + "clash"] = {"source": source, "names": clashes}
        return
    _ingest(lambda p: pipeline.ingest_bytes(items, p))


def _confirm_replace(pipeline, files) -> None:
    pending = st.session_state.get(KEY + "clash")
    if not pending:
        return
    names = pending["names"]
    listed = ", ".join(f"**{wording.as_text(n)}**" for n in names)
    with st.container(border=True, key=KEY + "clash_box"):
        st.warning(
            f"A different file of the same name is already stored: {listed}. "
            "Replace the stored one with the new one, or keep the stored one?"
        )
        replace, keep, cancel = st.columns(3)
        choice = None
        if replace.button("Replace it", type="primary", key=KEY + "clash_replace"):
            choice = "replace"
        if keep.button("Keep the stored one", key=KEY + "clash_keep"):
            choice = "keep"
        if cancel.button("Cancel", key=KEY + "clash_cancel"):
            choice = "cancel"
    if choice is None:
        return
    del st.session_state[KEY + "clash"]
    items = _items(pending["source"], files)
    shown = ", ".join(names)
    if choice == "keep":
        items = [(n, d) for n, d in items if n not in names]
        st.session_state[KEY + "flash"] = f"Kept the stored {shown}; the new one was not ingested."
    elif choice == "replace":
        st.session_state[KEY + "flash"] = f"Replaced the stored {shown} with the new file."
    if items and choice != "cancel":
        _ingest(lambda p: pipeline.ingest_bytes(items, p))
    st.rerun()


def _preview(pipeline, docs: dict[str, int]) -> None:
    chosen = st.selectbox("Preview the chunks of", list(docs), key=KEY + "preview")
    st.dataframe(
        [
            {
                "chunk": c.chunk,
                "text": c.text,
                "heading": c.heading,
                "page": c.page or "",
                "tokens": c.tokens,
            }
            for c in pipeline.store.chunks_of(chosen)
        ],
        hide_index=True,
        width="stretch",
        height=300,
        row_height=84,  # over 4rem: Streamlit wraps long text instead of running it off
        column_config={
            "chunk": st.column_config.NumberColumn("#", width=40),
            "text": st.column_config.TextColumn("Text", width=520),
            "heading": st.column_config.TextColumn("Heading", width=180),
            "page": st.column_config.TextColumn("Page", width=50),
            "tokens": st.column_config.NumberColumn("Tokens", width=60),
        },
    )


def _forget(pipeline, docs: dict[str, int]) -> None:
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    gone = left.selectbox("Forget a document", list(docs), key=KEY + "forget_pick")
    if right.button("Forget it...", key=KEY + "forget"):
        st.session_state[KEY + "confirm"] = gone
    pending = st.session_state.get(KEY + "confirm")
    if pending not in docs:
        return
    with st.container(border=True, key=KEY + "confirm_box"):
        st.warning(
            f"Forget **{pending}**? Its {wording.plural(docs[pending], 'chunk')} leave the "
            "collection; answers will no longer cite it. Upload it again to bring it back."
        )
        yes, no = st.columns(2)
        if yes.button("Yes, forget it", type="primary", key=KEY + "forget_yes"):
            _forgotten(pipeline, pending)
        if no.button("Cancel", key=KEY + "forget_no"):
            del st.session_state[KEY + "confirm"]
            st.rerun()


def _forgotten(pipeline, name: str) -> None:
    n = pipeline.forget(name)
    for r in st.session_state.get(KEY + "results", []):
        if r["name"] == name:  # the ingest table must not list it as added any more
            r.update(status="forgotten", chunks=0, message="removed from the collection")
    del st.session_state[KEY + "confirm"]
    st.session_state[KEY + "flash"] = (
        f"Forgot {name} ({wording.plural(n, 'chunk')}). The next question will not see it."
    )
    st.rerun()


def _ask(pipeline) -> None:
    st.subheader("Ask")
    # A form: Enter in the question box asks, as does the button.
    with st.form(KEY + "ask_form", border=False):
        q = st.text_input(
            "Question",
            key=KEY + "question",
            placeholder="How long do customers have to return hardware?",
        )
        c1, c2 = st.columns(2)
        modes = ["hybrid", "dense", "bm25"]  # the workspace's saved mode first selected
        start = modes.index(pipeline.mode) if pipeline.mode in modes else 0
        mode = c1.radio("Retrieval", modes, index=start, horizontal=True, key=KEY + "mode")
        k = c2.slider("Chunks", 1, 10, 5, key=KEY + "k")
        asked = st.form_submit_button("Answer", key=KEY + "answer")
    area = st.empty()  # the answer's place: a new question clears the old answer at once
    if asked:
        if not q.strip():
            area.warning("Type a question first.")
            return
        st.session_state.pop(KEY + "last", None)
        # The spinner is an element in the placeholder, so it replaces the old answer in
        # the browser at once (a container there would keep the old one, faded).
        with area, st.spinner("Answering (the first answer prepares the model once: about 30 s)"):
            try:
                answer = pipeline.ask(q, k, mode)
            except AdvisorError as exc:
                area.error(str(exc))
                return
        state.asked_questions().append(answer)
        st.session_state[KEY + "last"] = answer
    answer = st.session_state.get(KEY + "last")
    if answer is None and state.asked_questions() and not asked:
        answer = _restored(state.asked_questions()[-1])  # a reload: the last one asked
    if answer is not None:
        with area.container():
            _answer(answer)


def _restored(saved):
    """The last answer asked in this workspace, from its saved form; None if it will not
    type-check as an answer (saved by another version)."""
    from pydantic import ValidationError

    from advisor.rag.answer import Answer

    if not isinstance(saved, dict):
        return saved
    try:
        return Answer.from_dict(saved)
    except ValidationError:
        return None


def _answer(answer) -> None:
    with st.container(border=True, key=KEY + "answer_box"):
        st.caption(f"Q: {wording.as_text(answer.question)}")
        st.markdown(wording.as_text(answer.text))
        _trust(answer)
    note = (
        " (citation added by attribution: the model did not cite)" if answer.citation_added else ""
    )
    st.caption(f"Answered by `{answer.backend}`{note}")
    if answer.fallback_reason:
        st.warning(
            f"Ollama was configured but unreachable; the embedded model answered. "
            f"{answer.fallback_reason}"
        )
    st.caption(wording.SCORES_HELP)
    for s in answer.sources:
        label = wording.source_label(s.n, s.document, s.page, s.heading)
        with st.expander(label, expanded=s.n in answer.cited):
            st.markdown(wording.as_text(s.text))
            if s.links:  # kept out of the passage the model read, shown for the reader
                st.caption("Links: " + " · ".join(wording.as_text(u) for u in s.links[:5]))
            st.caption(wording.scores_line(s.scores))
    st.caption(
        "Timings: " + " · ".join(f"{k} {v * 1000:,.0f} ms" for k, v in answer.timings.items())
    )


def _trust(answer) -> None:
    """How far to trust the answer: withheld, low groundedness, or grounded."""
    t = getattr(answer, "trust", None)
    if t is None:
        return
    if t.abstain:
        st.info(
            f"Withheld: {t.reason}. The model answered: “{wording.as_text(answer.draft or '')}”",
            icon=":material/search_off:",
        )
    elif t.level == "low":
        st.warning(f"Check this answer: {t.reason}.", icon=":material/warning:")
    st.caption(wording.trust_line(t))
