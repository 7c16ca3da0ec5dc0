"""Which questions a change touches, and the cheap checks a face runs before loading any
model: paths that exist, questions with updated answers, documents the collection holds."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from advisor.errors import AdvisorError
from advisor.questionsets.model import Question, QuestionSet
from advisor.rag.pipeline import RagPipeline, expand_paths


def doc_key(name: str) -> str:
    """Documents compare by file name, casefolded: "updates/SLA.md" is "sla.md"."""
    return PurePosixPath(name.replace("\\", "/")).name.casefold()


def changed_questions(qs: QuestionSet, documents: Sequence[str]) -> list[Question]:
    """Questions whose reference changed with these documents: an `updated_answer`, and a
    reference document among them."""
    wanted = {doc_key(d) for d in documents}
    return [
        q
        for q in qs.questions
        if q.answer and q.updated_answer and wanted & {doc_key(d) for d in q.documents}
    ]


def document_questions(qs: QuestionSet, document: str) -> list[Question]:
    """Questions that name this document among their references."""
    return [q for q in qs.questions if doc_key(document) in {doc_key(d) for d in q.documents}]


def check_update(
    qs: QuestionSet, pipeline: RagPipeline, paths: Sequence[Path | str]
) -> tuple[list[Path], list[Question]]:
    """The files of an update and the questions it changes; one AdvisorError for a path
    that does not exist, no changed question, or a document the collection lacks."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise AdvisorError(f"{missing[0]}: no such file or folder")
    files = expand_paths(paths)
    if not files:
        raise AdvisorError("no documents to update: the folders hold no supported files")
    names = [f.name for f in files]
    questions = changed_questions(qs, names)
    if not questions:
        raise AdvisorError(
            f"no question of '{qs.name}' has an updated_answer for {', '.join(names)}: use "
            "a question set with updated answers (golden.yaml's updated_answer, or an "
            "updated_answer column)"
        )
    held = {doc_key(d) for d in pipeline.documents()}
    new = [n for n in names if doc_key(n) not in held]
    if new:
        raise AdvisorError(
            f"{new[0]}: not in collection '{pipeline.store.name}'; an update replaces "
            "a document already ingested (same file name); add new ones with `advisor ingest`"
        )
    return files, questions


def check_forget(qs: QuestionSet, pipeline: RagPipeline, document: str) -> list[Question]:
    """The questions a forget re-asks; one AdvisorError for an unknown document or one
    that no question cites (then nothing is measured, so nothing is forgotten)."""
    held = pipeline.documents()
    if document not in held:
        listed = ", ".join(list(held)[:8]) + (", ..." if len(held) > 8 else "")
        raise AdvisorError(
            f"unknown document '{document}': collection '{pipeline.store.name}' holds "
            f"{listed or 'no documents'}"
        )
    questions = document_questions(qs, document)
    if not questions:
        raise AdvisorError(
            f"no question of '{qs.name}' cites {document}: nothing to measure, so it was "
            "not forgotten (use `advisor forget` to just remove it)"
        )
    return questions
