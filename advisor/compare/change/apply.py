"""Change and deletion on the user's own documents, measured through every arm.

apply_update: new versions of documents replace the old ones (re-ingested; same file name,
so their chunks are replaced), and the questions whose reference changed (`updated_answer`
set, a reference document among the updated ones) are asked through every arm before and
after. The retrieval arms can state the new fact at once; the adapter keeps the old one
until it is retrained.

apply_forget: a document is removed, and the questions that cite it are asked before and
after. The retrieval arms must no longer retrieve or state its facts; an adapter trained
on it may still state them, and only a retrain without the document removes them.

Both return a ChangeResult (advisor.compare.change.result) that the caller stores in the
run's `changes`; nothing here saves files or knows a face.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from advisor.compare import scoring
from advisor.compare.change.result import (
    FORGET,
    UPDATE,
    ChangeResult,
    forget_measures,
    retrain_card,
    update_measures,
)
from advisor.compare.change.select import (
    changed_questions,
    check_forget,
    check_update,
    doc_key,
    document_questions,
)
from advisor.compare.runner import BATCH, Plan, Progress
from advisor.errors import AdvisorError
from advisor.questionsets.model import Question
from advisor.rag.answering import Context, answer_many

__all__ = [
    "ChangeResult", "apply_forget", "apply_update", "changed_questions", "check_forget",
    "check_update", "document_questions",
]  # fmt: skip

RETRAIN_NOTE = (
    "The adapter keeps what it was trained on: removing the forgotten document's facts "
    "from it takes a retrain without the document (drop its training pairs, train again)"
)
NO_ADAPTER_NOTE = (
    "This run has no adapter arm; a fine-tune trained on the document would keep its facts "
    "until retrained without it"
)
STALE_NOTE = (
    "The adapter keeps the old facts until it is retrained on the new versions; the "
    "retrieval arms read the new chunks at once"
)


class _Steps:
    """Progress over both rounds of questions: (answers done, answers in all, what)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def say(self, what: str) -> None:
        if self.progress:
            self.progress(self.done, self.total, what)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _states(answer: str, references: list[str]) -> bool | None:
    """Whether the answer states any of the references; None when there is none."""
    if not references:
        return None
    return any(scoring.correct(answer, r) for r in references)


def _check(plan: Plan) -> None:
    if any(a.needs_adapter for a in plan.arms) and plan.lora is None:
        raise AdvisorError("the LoRA arms need an adapter")


def _ask(
    plan: Plan,
    questions: list[Question],
    stage: str,
    steps: _Steps,
    cancel: threading.Event | None,
    targets: Sequence[str],
    old: dict[str, list[str]],
    new: dict[str, list[str]],
    since: float | None = None,
) -> list[dict[str, Any]] | None:
    """Every arm's answer to `questions` as cells (change.result's docstring); None when
    cancelled. `since` (a perf_counter) times each answer from the change's start."""
    keys = {doc_key(t) for t in targets}
    contexts: dict[str, Context] = {}
    documents: dict[str, list[str]] = {}
    if any(a.uses_retrieval for a in plan.arms):
        for q in questions:  # once per question, shared by both retrieval arms
            hits = plan.pipeline.retrieve(q.question, plan.k)
            contexts[q.id] = Context.of_hits(hits)
            documents[q.id] = [h.chunk.document for h in hits]
    ready = time.perf_counter() - since if since is not None else 0.0
    cells: list[dict[str, Any]] = []
    for arm in plan.arms:
        generator = plan.lora if arm.needs_adapter else plan.base
        assert generator is not None  # _check
        arm_start = time.perf_counter()
        for start in range(0, len(questions), BATCH):
            last = min(start + BATCH, len(questions))
            steps.say(f"{stage}: {arm.label}, questions {start + 1}-{last} of {len(questions)}")
            if cancel is not None and cancel.is_set():
                return None
            batch = questions[start:last]
            replies = answer_many(
                [q.question for q in batch],
                [arm.context(contexts.get(q.id)) for q in batch],
                generator,
                plan.pipeline.settings.max_new_tokens,
            )
            at = ready + time.perf_counter() - arm_start if since is not None else None
            for q, reply in zip(batch, replies, strict=True):
                gen = reply.generation
                # what the user sees: a withheld answer states neither the old nor the new
                said = "" if reply.withheld else reply.said
                docs = documents.get(q.id, [])
                cells.append({
                    "question_id": q.id, "arm": arm.name, "answer": reply.text,
                    "backend": gen.backend, "seconds": round(gen.seconds, 4),
                    "old_stated": _states(said, old[q.id]),
                    "new_stated": _states(said, new[q.id]),
                    "withheld": reply.withheld,
                    "doc_chunks": sum(doc_key(d) in keys for d in docs)
                    if arm.uses_retrieval else None,
                    "at": None if at is None else round(at, 3),
                })  # fmt: skip
            steps.done += len(batch)
    return cells


def _result(plan: Plan, kind: str, documents: list[str], qs: list[Question]) -> ChangeResult:
    result = ChangeResult(kind, documents, _now(), plan.questions.name)
    result.questions = [
        {
            "id": q.id,
            "question": q.question,
            "documents": list(q.documents),
            "old": q.answer,
            "new": q.updated_answer if kind == UPDATE else None,
            "relation": q.relation,
        }
        for q in qs
    ]
    if any(a.needs_adapter for a in plan.arms):
        result.retrain = retrain_card(plan.adapter)
    return result


def apply_update(
    plan: Plan,
    paths: Sequence[Path | str],
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ChangeResult:
    """Re-ingest new versions of documents and measure who states the new facts."""
    _check(plan)
    files, qs = check_update(plan.questions, plan.pipeline, paths)
    names = [f.name for f in files]
    result = _result(plan, UPDATE, names, qs)
    old = {q.id: [q.answer or ""] for q in qs}
    new = {q.id: [q.updated_answer or ""] for q in qs}
    steps = _Steps(progress, 2 * len(qs) * len(plan.arms))
    started = time.perf_counter()
    before = _ask(plan, qs, "Before the update", steps, cancel, names, old, new)
    if before is None:
        return _cancelled(result, started, "cancelled before the update: nothing changed")
    t0 = time.perf_counter()
    ingested = plan.pipeline.ingest(files)
    result.change_seconds = round(time.perf_counter() - t0, 3)
    result.files = [
        {"name": r.name, "status": r.status, "chunks": r.chunks, "message": r.message}
        for r in ingested
    ]
    failed = [r for r in ingested if r.status == "error"]
    if failed and len(failed) == len(ingested):
        raise AdvisorError(f"{failed[0].name}: {failed[0].message}; nothing was updated")
    result.notes += [f"{r.name} could not be read ({r.message}): not updated" for r in failed]
    result.notes += [
        f"{r.name} was already this version: nothing changed in it"
        for r in ingested
        if r.status == "unchanged"
    ]
    after = _ask(plan, qs, "After the update", steps, cancel, names, old, new, since=t0)
    result.before = before
    if after is None:
        return _cancelled(result, started, "cancelled after the update, before every answer")
    result.after = after
    result.arms = update_measures([a.name for a in plan.arms], before, after)
    if any(a.needs_adapter for a in plan.arms):
        result.notes.append(STALE_NOTE)
    return _done(result, started, steps)


def apply_forget(
    plan: Plan,
    document: str,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ChangeResult:
    """Forget a document and measure which arms still retrieve or state its facts."""
    _check(plan)
    qs = check_forget(plan.questions, plan.pipeline, document)
    result = _result(plan, FORGET, [document], qs)
    # Either version of a fact is the document's: an update may have come before.
    old = {q.id: [a for a in (q.answer, q.updated_answer) if a] for q in qs}
    new: dict[str, list[str]] = {q.id: [] for q in qs}
    steps = _Steps(progress, 2 * len(qs) * len(plan.arms))
    started = time.perf_counter()
    before = _ask(plan, qs, "Before the forget", steps, cancel, [document], old, new)
    if before is None:
        return _cancelled(result, started, "cancelled before the forget: nothing changed")
    t0 = time.perf_counter()
    removed = plan.pipeline.forget(document)
    result.change_seconds = round(time.perf_counter() - t0, 3)
    result.files = [{"name": document, "status": "forgotten", "chunks": removed, "message": None}]
    after = _ask(plan, qs, "After the forget", steps, cancel, [document], old, new, since=t0)
    result.before = before
    if after is None:
        return _cancelled(result, started, "cancelled after the forget, before every answer")
    result.after = after
    result.arms = forget_measures([a.name for a in plan.arms], before, after)
    adapter = any(a.needs_adapter for a in plan.arms)
    result.notes.append(RETRAIN_NOTE if adapter else NO_ADAPTER_NOTE)
    return _done(result, started, steps)


def _cancelled(result: ChangeResult, started: float, why: str) -> ChangeResult:
    result.status = "cancelled"
    result.notes.append(why)
    result.seconds = round(time.perf_counter() - started, 2)
    return result


def _done(result: ChangeResult, started: float, steps: _Steps) -> ChangeResult:
    result.seconds = round(time.perf_counter() - started, 2)
    steps.say("done")
    return result
