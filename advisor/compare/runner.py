"""Run a comparison: every question through every chosen arm, scored, with progress.

Fair by construction: retrieval runs once per question and both retrieval arms get the
same chunks; every arm has the same prompt builders, token budget and greedy decoding.
Fast by construction: each arm's questions are generated in batches (generate_many), and
the adapter is merged into its weights once (LoraGenerator).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from advisor.compare import scoring
from advisor.compare.arms import Arm
from advisor.compare.run import Cell, ComparisonRun, Row, Source
from advisor.compare.summary import summarise
from advisor.errors import AdvisorError
from advisor.llm.base import Generator
from advisor.questionsets.model import QuestionSet
from advisor.rag.answering import Context, Reply, answer_many
from advisor.rag.pipeline import RagPipeline
from advisor.words import no_answer

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (cells done, cells in all, what is running)
Pricing = Callable[[str, int, int], float]  # (arm, prompt tokens, answer tokens) -> $ / 1,000
BATCH = 8  # questions generated together; also how often progress and cancel are checked


@dataclass
class Plan:
    """What to compare: the workspace, the questions, the arms and their two models."""

    pipeline: RagPipeline
    questions: QuestionSet
    arms: list[type[Arm]]
    base: Generator
    lora: Generator | None = None
    adapter: dict[str, Any] | None = None  # the adapter's run card, with its path
    k: int = 5
    pricing: Pricing | None = None
    judge: Generator | None = None  # an optional judge of every answer (compare/judge.py)


def run_comparison(
    plan: Plan, progress: Progress | None = None, cancel: threading.Event | None = None
) -> ComparisonRun:
    """The scored run; a cancelled run keeps the cells done so far, marked cancelled."""
    started = time.perf_counter()
    if any(a.needs_adapter for a in plan.arms) and plan.lora is None:
        raise AdvisorError("the LoRA arms need an adapter")
    if any(a.uses_retrieval for a in plan.arms) and plan.pipeline.store.count() == 0:
        raise AdvisorError(
            f"collection '{plan.pipeline.store.name}' is empty: ingest documents first"
        )
    rows = _rows(plan)
    run = ComparisonRun(
        arms=[a.name for a in plan.arms],
        rows=rows,
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        collection=plan.pipeline.store.name,
        settings=_settings(plan),
        models={a.name: _generator(plan, a).name for a in plan.arms},
        adapter=plan.adapter,
        question_set={
            "name": plan.questions.name,
            "origin": plan.questions.origin,
            "sha256": plan.questions.sha256,
            "n": len(rows),
        },
    )
    total = len(rows) * len(plan.arms)
    for arm in plan.arms:
        generator = _generator(plan, arm)
        for start in range(0, len(rows), BATCH):
            if progress:
                last = min(start + BATCH, len(rows))
                progress(
                    len(run.cells),
                    total,
                    f"{arm.label}: questions {start + 1}-{last} of {len(rows)}",
                )
            if cancel is not None and cancel.is_set():
                run.status = "cancelled"
                break
            batch = rows[start : start + BATCH]
            replies = answer_many(
                [r.question for r in batch],
                [arm.context(_context(r)) for r in batch],
                generator,
                plan.pipeline.settings.max_new_tokens,
            )
            for row, reply in zip(batch, replies, strict=True):
                run.cells.append(_cell(plan, arm, row, reply))
        if run.status == "cancelled":
            break
    if plan.judge is not None and run.cells:
        if progress:
            progress(len(run.cells), total, f"the judge ({plan.judge.name}) reads the answers")
        _judge(plan.judge, run)
    if progress:
        progress(len(run.cells), total, "done" if run.status == "complete" else "cancelled")
    run.seconds = round(time.perf_counter() - started, 2)
    run.aggregates = summarise(run)
    log.info(
        "comparison of %d questions x %d arms: %s in %.0f s",
        len(rows),
        len(plan.arms),
        run.status,
        run.seconds,
    )
    return run


def _judge(judge: Generator, run: ComparisonRun) -> None:
    """The judge's verdict on every answer that has a reference or passages to judge by,
    stored beside the deterministic scores; its model and prompt go into the run."""
    from advisor.compare import judge as judging
    from advisor.compare.arms import REGISTRY

    rows = {r.id: r for r in run.rows}
    cells = [c for c in run.cells if rows[c.question_id].reference is not None
             or (REGISTRY[c.arm].uses_retrieval and rows[c.question_id].retrieved)]  # fmt: skip
    items = [
        (
            rows[c.question_id].question,
            rows[c.question_id].reference,
            [s.text for s in rows[c.question_id].retrieved]
            if REGISTRY[c.arm].uses_retrieval
            else [],
            c.answer,
        )
        for c in cells
    ]
    verdicts, note = judging.judge_all(judge, items)
    for cell, verdict in zip(cells, verdicts, strict=True):
        cell.judge_correct, cell.judge_supported = verdict.correct, verdict.supported
    run.settings["judge"] = judging.record(judge)
    if note:
        run.notes.append(note)


def _generator(plan: Plan, arm: type[Arm]) -> Generator:
    gen = plan.lora if arm.needs_adapter else plan.base
    assert gen is not None  # checked at the start of run_comparison
    return gen


def _settings(plan: Plan) -> dict[str, Any]:
    """How the run was made; the device and base model are those of the local models (the
    embedder, an embedded generator, the adapter's base)."""
    from advisor.llm.base_model import model_id_of
    from advisor.llm.device import describe

    s = plan.pipeline.settings
    return {
        **describe(s.device),  # device, dtype
        "base_model": model_id_of(s.base_model),
        "base_model_path": str(s.base_model) if s.base_model else None,
        "engine": s.engine,
        "k": plan.k,
        "mode": plan.pipeline.mode,  # the workspace's, which every retrieval used
        "dense_weight": s.dense_weight,
        "chunk_tokens": s.chunk_tokens,
        "max_new_tokens": s.max_new_tokens,
        "decoding": "greedy",
        "generator": s.generator,
    }


def _rows(plan: Plan) -> list[Row]:
    """One row per question; retrieval once per question, shared by both retrieval arms."""
    retrieve = any(a.uses_retrieval for a in plan.arms)
    rows = []
    for q in plan.questions.questions:
        row = Row(
            q.id,
            q.question,
            q.answer,
            list(q.documents),
            q.tag,
            q.relation,
            q.source,
            q.updated_answer,
            unanswerable=q.unanswerable,
        )
        if retrieve:
            hits = plan.pipeline.retrieve(q.question, plan.k)
            row.retrieved = [
                Source(
                    n,
                    h.chunk.document,
                    h.chunk.chunk,
                    h.chunk.heading,
                    h.chunk.text,
                    round(h.score, 6),
                )
                for n, h in enumerate(hits, 1)
            ]
            row.hit, row.rr = scoring.retrieval_ranks(
                [h.chunk.document for h in hits], row.documents
            )
            context = Context.of_hits(hits)
            row.support, row.best = context.support, context.best
            row.context_recall = scoring.context_recall([h.chunk.text for h in hits], q.answer)
        rows.append(row)
    return rows


def _context(row: Row) -> Context:
    """The row's retrieval as the answering path reads it (retrieved once per question)."""
    return Context(
        [src.text for src in row.retrieved],
        row.support,
        row.best,
        [src.heading for src in row.retrieved],
    )


def _cell(plan: Plan, arm: type[Arm], row: Row, reply: Reply) -> Cell:
    """One answer scored as the user sees it: a withheld answer scores as no answer."""
    gen = reply.generation
    # Scored on the model's own words as shown (its first answer, not a citation we
    # attributed); a withheld answer as what the user got: no answer (no groundedness,
    # no credit).
    said = "" if reply.withheld else reply.said
    texts = [src.text for src in row.retrieved] if arm.uses_retrieval else []
    reason = reply.trust.reason if reply.trust is not None else None
    cell = Cell(
        row.id,
        arm.name,
        reply.text,
        gen.backend,
        round(gen.seconds, 4),
        gen.tokens,
        reply.cited,
        reply.citation_added,
        gen.fallback_reason,
        draft=reply.draft,
        trust_reason=reason,
    )
    # A withheld answer is scored as what the user sees (no answer); an echo of the
    # question, the prompt or the passages is scored wrong and not grounded.
    own = [] if reply.citation_added else reply.cited  # one we attributed is not the model's
    scores = scoring.score_cell(
        said,
        row.reference,
        texts,
        [row.retrieved[n - 1].document for n in own] if arm.uses_retrieval else None,
        row.documents,
        question=row.question,
    )
    cell.correct, cell.exact, cell.containment, cell.f1 = (
        scores.correct,
        scores.exact,
        scores.containment,
        scores.f1,
    )
    if arm.uses_retrieval:
        cell.groundedness, cell.citation_hit = scores.groundedness, scores.citation_hit
    cell.echo = scores.echo or scoring.echo(reply.said, row.question, texts)  # a draft too
    if row.unanswerable:
        cell.abstained = reply.withheld or no_answer(reply.said)
    if plan.pricing is not None:
        prompt_tokens = sum(len(m["content"]) for m in reply.messages) // 4  # ~4 chars a token
        cell.cost_per_1000 = round(plan.pricing(arm.name, prompt_tokens, gen.tokens), 6)
    return cell
