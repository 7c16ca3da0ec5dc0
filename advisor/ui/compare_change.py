"""Compare page, under the results: what goes stale (new versions of documents) and what a
fine-tune cannot forget (a forgotten document), each run in the background with progress
and shown before / after, per question and arm, with its figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from advisor.errors import AdvisorError
from advisor.ui import jobs, state, wording
from advisor.ui.jobs import Job

KEY = "chg_"
DEMO = Path(__file__).resolve().parents[2] / "demo_corpus"
WHAT = {"update": "the update", "forget": "the forget"}


def _busy() -> bool:
    return jobs.running(KEY + "job", "cmp_job")


def _demo_updates(pipeline: Any) -> list[Path]:
    """The demo's new versions, when the workspace holds every document they replace."""
    files = sorted(p for p in (DEMO / "updates").iterdir() if p.is_file())
    held = pipeline.documents()
    return files if files and all(p.name in held for p in files) else []


def _questions(run: Any, pipeline: Any, has: Any) -> Any:
    """The run's questions if `has` finds some in them, else the demo's golden set when the
    workspace holds the demo corpus, else the run's (the check then says what is missing)."""
    from advisor.compare.change.setup import questions_of
    from advisor.questionsets.files import load_question_file

    qs = questions_of(run)
    if not has(qs) and _demo_updates(pipeline):
        demo = load_question_file(DEMO / "golden.yaml")
        return demo if has(demo) else qs
    return qs


def _start(run: Any, kind: str, target: Any, typed: dict[str, str] | None = None) -> None:
    """Check at once (one line on the page), then change and re-ask in the background."""
    from advisor.compare.change.apply import (
        apply_forget,
        apply_update,
        changed_questions,
        check_forget,
        check_update,
        document_questions,
    )
    from advisor.compare.change.setup import plan_from_run
    from advisor.compare.history import save_latest

    settings, pipeline = state.settings(), state.pipeline()
    if kind == "update":
        names = [Path(p).name for p in target]
        qs = _questions(run, pipeline, lambda q: changed_questions(q, names))
        if typed:  # new answers typed on the page, for the run's own questions
            from advisor.compare.change.setup import questions_of

            qs = questions_of(run).with_updated_answers(typed)
        check_update(qs, pipeline, target)
    else:
        qs = _questions(run, pipeline, lambda q: document_questions(q, target))
        check_forget(qs, pipeline, target)

    def work(job: Job) -> Any:
        plan = plan_from_run(run, settings, pipeline=pipeline, questions=qs)
        apply = apply_update if kind == "update" else apply_forget
        result = apply(plan, target, job.report, job.cancel)
        run.changes.append(result.to_dict())
        save_latest(run, settings)
        return result

    jobs.start(KEY + "job", Job(kind), work)


@st.fragment(run_every=1.0)
def _progress() -> None:
    job = jobs.current(KEY + "job")
    if job is None or not (job.running or job.result is not None or job.error):
        return
    done, total, what = job.progress
    if job.running:
        st.progress(min(done / max(total, 1), 1.0), text=f"{done} of {total} answers · {what}")
        if st.button(f"Cancel {WHAT[job.kind]}", key=KEY + "cancel"):
            job.cancel.set()
    elif job.error:
        st.error(job.error)
    elif st.session_state.get(KEY + "shown") is not job.result:
        st.session_state[KEY + "shown"] = job.result
        st.rerun()  # the whole page: the before / after below appears without a click


def _run_it(run: Any, kind: str, target: Any, typed: dict[str, str] | None = None) -> None:
    try:
        _start(run, kind, target, typed)
    except AdvisorError as exc:
        st.error(str(exc))


def _stale_controls(run: Any) -> None:
    st.subheader("What goes stale")
    st.caption(
        "New versions of documents replace the old ones (re-ingested, same file names); the "
        "questions whose answer changed are asked through every arm before and after. "
        "Retrieval reads the new text at once; an adapter keeps what it was trained on."
    )
    pipeline = state.pipeline()
    demo = _demo_updates(pipeline)
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    if demo and left.button(
        f"Apply the demo's updates ({len(demo)} documents)",
        key=KEY + "demo",
        disabled=_busy(),
        help=", ".join(p.name for p in demo),
    ):
        _run_it(run, "update", demo)
    files = right.file_uploader(
        "New versions of your documents (same file names)",
        accept_multiple_files=True,
        key=KEY + "upload",
        max_upload_size=state.document_upload_mb(),
        help="The questions whose answer changes need the new answer: an updated_answer "
        "in the question file (a YAML key or a CSV column), or typed in the table below.",
    )
    typed = _typed_answers(run, [Path(f.name).name for f in files]) if files else {}
    if files and right.button("Apply the uploaded versions", key=KEY + "apply", disabled=_busy()):
        folder = state.settings().data_dir / "uploads" / state.collection() / "updates"
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for f in files:
            paths.append(folder / Path(f.name).name)
            paths[-1].write_bytes(f.getvalue())
        _run_it(run, "update", paths, typed)


def _typed_answers(run: Any, names: list[str]) -> dict[str, str]:
    """New answers typed for the run's questions that cite the uploaded documents and have
    none in their file (question id -> answer; blank rows: the answer did not change)."""
    from advisor.compare.change.select import doc_key
    from advisor.compare.change.setup import questions_of

    wanted = {doc_key(n) for n in names}
    open_ = [
        q
        for q in questions_of(run).questions
        if q.answer and not q.updated_answer and wanted & {doc_key(d) for d in q.documents}
    ]
    if not open_:
        return {}
    st.caption(
        f"{wording.plural(len(open_), 'question')} of this run cite these documents without "
        "a new answer: type it for those whose answer changed (leave the rest blank)."
    )
    rows = [{"id": q.id, "question": q.question, "answer now": q.answer, "new answer": ""}
            for q in open_]  # fmt: skip
    edited = st.data_editor(
        rows, key=KEY + "typed", hide_index=True, width="stretch",
        disabled=["id", "question", "answer now"], column_config={"id": None},
    )  # fmt: skip
    return {r["id"]: r["new answer"] or "" for r in edited}


def _forget_controls(run: Any) -> None:
    from advisor.compare.change.apply import document_questions
    from advisor.compare.change.setup import questions_of

    st.subheader("What a fine-tune cannot forget")
    st.caption(
        "Forget a document: its chunks leave the workspace, and the questions citing it are "
        "asked through every arm before and after. Retrieval can no longer find its facts; "
        "an adapter trained on it may still say them."
    )
    pipeline = state.pipeline()
    held = pipeline.documents()
    sets = [questions_of(run)]
    if _demo_updates(pipeline):
        from advisor.questionsets.files import load_question_file

        sets.append(load_question_file(DEMO / "golden.yaml"))
    cited = [d for qs in sets for q in qs.questions for d in q.documents if d in held]
    choices = list(dict.fromkeys(cited))
    if not choices:
        st.info("No question of this run cites a document the workspace still holds.")
        return
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    pick = left.selectbox("Document to forget", choices, key=KEY + "pick")
    cites = lambda qs: document_questions(qs, pick)  # noqa: E731
    n = len(cites(_questions(run, pipeline, cites)))
    if right.button("Forget it and re-ask...", key=KEY + "forget", disabled=_busy()):
        st.session_state[KEY + "confirm"] = pick
    if st.session_state.get(KEY + "confirm") != pick:
        return
    with st.container(border=True, key=KEY + "confirm_box"):
        st.warning(
            f"Forget **{wording.as_text(pick)}**? Its {held[pick]} chunks leave this "
            f"workspace; its {n} question(s) are asked through every arm before and after."
        )
        yes, no = st.columns(2)
        if yes.button("Yes, forget and re-ask", type="primary", key=KEY + "yes"):
            del st.session_state[KEY + "confirm"]
            _run_it(run, "forget", pick)
        if no.button("Cancel", key=KEY + "no"):
            del st.session_state[KEY + "confirm"]
            st.rerun()


def render(run: Any) -> None:
    """Both changes' controls, the job's progress, and the latest result of each kind."""
    st.divider()
    if run.changes:
        st.caption(
            "The comparison above was run before the changes below; run it again to "
            "compare the arms on the documents as they are now."
        )
    _stale_controls(run)
    _job_progress("update")
    _shown(run, "update")
    _forget_controls(run)
    _job_progress("forget")
    _shown(run, "forget")


def _job_progress(kind: str) -> None:
    """The running (or just ended) job's progress, under the section that started it."""
    job = jobs.current(KEY + "job")
    if job is not None and job.kind == kind:
        _progress()


def _shown(run: Any, kind: str) -> None:
    from advisor.compare.change.result import ChangeResult
    from advisor.ui import compare_change_view as view

    data = next((c for c in reversed(run.changes) if c.get("kind") == kind), None)
    if data is not None:
        view.show(ChangeResult.from_dict(data))
