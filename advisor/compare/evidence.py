"""Measured facts from a comparison run, for the rules: what the user's documents showed.

`change_facts(run)` returns only the facts the run can measure; a fact it cannot measure
(no rag arm, no adapter, no update applied yet...) is absent. Shares are floats in [0, 1];
`train_tokens_per_second` is a rate and `questions_scored` a count.

retrieval_hit_at_k     mean hit@k of the rows with reference documents
rag_correct            mean correctness of the rag arm (rows with a reference)
base_correct           the same for the base arm
lora_correct_unseen    the lora arm on rows the adapter did not train on (unseen, paraphrase)
rag_correct_unseen     the rag arm on those rows
lora_gain_unseen       lora minus base on those rows (rows scored in both arms)
stale_facts_share      after the latest update: share of changed facts the lora arm still
                       states the old answer for
forget_leak_rate       after the latest forget: share of the document's reference answers
                       the lora arm still states
forget_rag_leak_rate   the same for the rag arm
train_tokens_per_second  the adapter's measured training throughput (its run card)
questions_scored       rows with a reference answer
"""

from __future__ import annotations

from statistics import fmean

from advisor.compare.change.result import FORGET, UPDATE, latest
from advisor.compare.run import ComparisonRun

FACTS = (
    "retrieval_hit_at_k",
    "rag_correct",
    "base_correct",
    "lora_correct_unseen",
    "rag_correct_unseen",
    "lora_gain_unseen",
    "stale_facts_share",
    "forget_leak_rate",
    "forget_rag_leak_rate",
    "train_tokens_per_second",
    "questions_scored",
)
UNSEEN = ("unseen", "paraphrase")
ADAPTER_ARM, RETRIEVAL_ARM = "lora", "rag"


def _mean(values: list[float]) -> float | None:
    return round(fmean(values), 4) if values else None


def _correct(run: ComparisonRun, arm: str, ids: set[str] | None = None) -> dict[str, float]:
    """question id -> correctness of `arm`, for scored cells (of rows `ids` if given)."""
    return {
        c.question_id: c.correct
        for c in run.cells
        if c.arm == arm and c.correct is not None and (ids is None or c.question_id in ids)
    }


def change_facts(run: ComparisonRun) -> dict[str, float]:
    """The measured facts of `run` (module docstring); absent when not measurable."""
    facts: dict[str, float | None] = {}
    facts["retrieval_hit_at_k"] = _mean([r.hit for r in run.rows if r.hit is not None])
    facts["rag_correct"] = _mean(list(_correct(run, "rag").values()))
    facts["base_correct"] = _mean(list(_correct(run, "base").values()))
    unseen = {r.id for r in run.rows if r.relation in UNSEEN}
    lora, rag, base = (_correct(run, a, unseen) for a in (ADAPTER_ARM, "rag", "base"))
    facts["lora_correct_unseen"] = _mean(list(lora.values()))
    facts["rag_correct_unseen"] = _mean(list(rag.values()))
    both = sorted(lora.keys() & base.keys())
    if both:
        facts["lora_gain_unseen"] = round(fmean(lora[i] - base[i] for i in both), 4)
    update = latest(run.changes, UPDATE)
    if update is not None:
        facts["stale_facts_share"] = update.arms.get(ADAPTER_ARM, {}).get("old_share")
    forget = latest(run.changes, FORGET)
    if forget is not None:
        facts["forget_leak_rate"] = forget.arms.get(ADAPTER_ARM, {}).get("leak_rate")
        facts["forget_rag_leak_rate"] = forget.arms.get(RETRIEVAL_ARM, {}).get("leak_rate")
    tps = (run.adapter or {}).get("tokens_per_second")
    facts["train_tokens_per_second"] = float(tps) if tps else None
    facts["questions_scored"] = float(sum(1 for r in run.rows if r.reference))
    return {k: float(v) for k, v in facts.items() if v is not None}
