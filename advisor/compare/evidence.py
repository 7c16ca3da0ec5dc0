"""Measured facts from a comparison run, for the rules: what the user's documents showed.

`change_facts(run)` returns only the facts the run can measure; a fact it cannot measure
(no rag arm, no adapter, no update applied yet...) is absent. Shares are floats in [0, 1];
`train_tokens_per_second` is a rate and `questions_scored` a count.

retrieval_hit_at_k     mean hit@k of the rows with reference documents
context_recall         share of rows whose retrieved chunks hold the reference's key facts
rag_reader_correct     the rag arm's correctness on those rows: the reader alone
context_recall_unseen  context recall on the rows the adapter did not train on
rag_correct            mean correctness of the rag arm (rows with a reference)
base_correct           the same for the base arm
lora_correct_unseen    the lora arm on rows the adapter did not train on (unseen, paraphrase)
rag_correct_unseen     the rag arm on those rows
lora_gain_unseen       lora minus base on those rows (rows scored in both arms)
stale_facts_share      after the latest update: of the changed facts the lora arm stated
                       before it, the share it still states only in the old form (absent
                       when it stated none: facts it never learned cannot go stale)
forget_leak_rate       after the latest forget: of the document's facts the lora arm stated
                       before it, the share it still states (absent when it stated none)
forget_rag_leak_rate   the same for the rag arm
train_tokens_per_second  the adapter's measured training throughput (its run card)
questions_scored       rows with a reference answer

The rules act on a measurement only when it is clear of chance, so each fact above that
a rule reads comes with the 95% interval it rests on:

rag_minus_lora_unseen_low, _high, _n   rag minus lora on the unseen and paraphrased rows,
                       a paired bootstrap interval over the rows scored in both arms
lora_minus_base_unseen_low, _high, _n  the same for lora minus base
retrieval_minus_lora_unseen_low, _high, _n  context recall minus the lora arm's
                       correctness on those rows: retrieval put the answer in front of the
                       reader where the adapter did not state it (the measured case for
                       RAG rests on retrieval, which a larger reader keeps)
context_recall_high, rag_reader_correct_high
                       the upper end of the (Wilson) interval of those shares
stale_facts_share_low, forget_leak_rate_low
                       the lower end of the bootstrap interval of those shares
retrieval_hit_at_k_high the upper end of the interval of hit@k
A paired figure needs 5 paired rows (advisor.compare.stats.MIN_PAIRED); with fewer it is
absent, so no rule can act on it.
"""

from __future__ import annotations

from statistics import fmean

from advisor.compare.change.result import FORGET, UPDATE, known, latest
from advisor.compare.run import ComparisonRun
from advisor.compare.stats import bootstrap_ci, paired_difference, share_interval

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
    "rag_minus_lora_unseen_low",
    "rag_minus_lora_unseen_high",
    "rag_minus_lora_unseen_n",
    "lora_minus_base_unseen_low",
    "lora_minus_base_unseen_high",
    "lora_minus_base_unseen_n",
    "stale_facts_share_low",
    "forget_leak_rate_low",
    "retrieval_hit_at_k_high",
    "context_recall",
    "rag_reader_correct",
    "context_recall_high",
    "rag_reader_correct_high",
    "context_recall_unseen",
    "retrieval_minus_lora_unseen_low",
    "retrieval_minus_lora_unseen_high",
    "retrieval_minus_lora_unseen_n",
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
    facts |= _paired("rag_minus_lora_unseen", rag, lora)
    facts |= _paired("lora_minus_base_unseen", lora, base)
    recall = [r.context_recall for r in run.rows if r.context_recall is not None]
    facts["context_recall"] = _mean(recall)  # retrieval apart from the reader
    if recall:
        facts["context_recall_high"] = round(share_interval(int(sum(recall)), len(recall))[1], 4)
    found = {r.id for r in run.rows if r.context_recall == 1.0}
    reader = [v for q, v in _correct(run, RETRIEVAL_ARM).items() if q in found]
    facts["rag_reader_correct"] = _mean(reader)
    if reader:
        facts["rag_reader_correct_high"] = round(
            share_interval(int(sum(reader)), len(reader))[1], 4
        )
    # "RAG works on your documents" rests on retrieval, which a larger reader keeps: did
    # the retrieved chunks hold the answer where the adapter did not state it?
    held = {
        r.id: r.context_recall for r in run.rows if r.id in unseen and r.context_recall is not None
    }
    facts["context_recall_unseen"] = _mean(list(held.values()))
    facts |= _paired("retrieval_minus_lora_unseen", held, lora)
    hits = [r.hit for r in run.rows if r.hit is not None]
    if hits:
        facts["retrieval_hit_at_k_high"] = round(bootstrap_ci(hits)[2], 4)
    update = latest(run.changes, UPDATE)
    if update is not None:
        facts["stale_facts_share"] = update.arms.get(ADAPTER_ARM, {}).get("stale_of_known")
        knew = known([c for c in update.before if c["arm"] == ADAPTER_ARM])
        facts["stale_facts_share_low"] = _low(
            [c for c in update.after if c["question_id"] in knew],
            lambda c: bool(c.get("old_stated")) and not c.get("new_stated"),
        )
    forget = latest(run.changes, FORGET)
    if forget is not None:
        facts["forget_leak_rate"] = forget.arms.get(ADAPTER_ARM, {}).get("leak_of_known")
        facts["forget_rag_leak_rate"] = forget.arms.get(RETRIEVAL_ARM, {}).get("leak_rate")
        knew = known([c for c in forget.before if c["arm"] == ADAPTER_ARM])
        facts["forget_leak_rate_low"] = _low(
            [c for c in forget.after if c["question_id"] in knew],
            lambda c: bool(c.get("old_stated")),
        )
    card = run.adapter or {}
    tps = None if card.get("partial") else card.get("tokens_per_second")
    facts["train_tokens_per_second"] = float(tps) if tps else None
    facts["questions_scored"] = float(sum(1 for r in run.rows if r.reference))
    return {k: float(v) for k, v in facts.items() if v is not None}


def _paired(name: str, a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """`name_low`, `name_high`, `name_n`: a paired interval, absent under 5 pairs."""
    ids = sorted(a.keys() & b.keys())
    diff = paired_difference([a[i] for i in ids], [b[i] for i in ids])
    if not diff["applicable"]:
        return {}
    return {f"{name}_low": diff["low"], f"{name}_high": diff["high"], f"{name}_n": diff["n"]}


def _low(cells: list[dict], holds) -> float | None:
    """The lower end of the 95% (Wilson) interval of the share of the adapter's `cells` for which
    `holds(cell)`; cells without a verdict (no reference) are left out."""
    values = [
        1.0 if holds(c) else 0.0
        for c in cells
        if c["arm"] == ADAPTER_ARM and c.get("old_stated") is not None
    ]
    # Wilson's, as the change text shows: 2 of 2 stale must not read as a certain 100%
    return round(share_interval(int(sum(values)), len(values))[0], 4) if values else None
