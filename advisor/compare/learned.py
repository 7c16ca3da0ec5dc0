"""What an adapter learned: its training facts asked again right after training.

Three kinds of question (advisor.finetune.pairs.PairSet.checks): each training fact as it
was written (trained), the same fact in held-out words (paraphrase), and the validation
and test facts it never saw (unseen). The trained model answers them, then the same model
with its adapter switched off (the base model), with the prompt the base and LoRA arms of
the comparison use; an answer counts when it states the fact (`scoring.correct`: not an
echo of the question). Each share comes with its 95% interval and the adapter-minus-base
difference with its paired one, so "learned" is a measurement, not a loss curve.

The staleness and leak figures of an update or a forget count only the facts the adapter
stated before the change (advisor.compare.change.result): a fact it never learned is
"not learned", never "not stale" or "not leaked".
"""

from __future__ import annotations

import random
from typing import Any

from advisor.compare.scoring import correct
from advisor.compare.stats import paired_difference, points, share_interval

RELATIONS = ("trained", "paraphrase", "unseen")
PER_RELATION = 40  # a larger set is sampled (seeded): the check stays under half a minute
MAX_NEW_TOKENS = 32
BATCH = 16  # prompts per generate call


def _sample(checks: list[dict[str, str]], relation: str) -> tuple[list[dict[str, str]], int]:
    rows = [c for c in checks if c["relation"] == relation and c["question"]]
    if len(rows) <= PER_RELATION:
        return rows, len(rows)
    return random.Random(0).sample(rows, PER_RELATION), len(rows)


def check(tok: Any, model: Any, checks: list[dict[str, str]]) -> dict[str, Any]:
    """Ask `model` (a peft model) and its base the checks; per relation the shares.

    For `advisor.finetune.train.train_lora(check=...)`.
    """
    from advisor.llm.hf_generate import generate_batch_with
    from advisor.rag.prompt import build_plain_messages

    picked = {r: _sample(checks, r) for r in RELATIONS}
    rows = [c for r in RELATIONS for c in picked[r][0]]
    if not rows:
        return {}
    messages = [build_plain_messages(c["question"]) for c in rows]
    with_adapter = generate_batch_with(tok, model, messages, MAX_NEW_TOKENS, "lora", BATCH)
    with model.disable_adapter():
        without = generate_batch_with(tok, model, messages, MAX_NEW_TOKENS, "base", BATCH)
    out: dict[str, Any] = {}
    start = 0
    for relation in RELATIONS:
        chosen, total = picked[relation]
        if not chosen:
            continue
        part = slice(start, start + len(chosen))
        start += len(chosen)
        lora = [
            1.0 if correct(g.text, c["answer"], c["question"]) else 0.0
            for g, c in zip(with_adapter[part], chosen, strict=True)
        ]
        base = [
            1.0 if correct(g.text, c["answer"], c["question"]) else 0.0
            for g, c in zip(without[part], chosen, strict=True)
        ]
        # Wilson's interval: 0 of 8 reads 0% to 32%, not a bootstrap's certain 0% to 0%
        low, high = share_interval(int(sum(lora)), len(lora))
        mean = sum(lora) / len(lora)
        out[relation] = {
            "n": len(chosen),
            "of": total,  # how many such checks there were (n of them were asked)
            "adapter": int(sum(lora)),
            "base": int(sum(base)),
            "share": round(mean, 4),
            "low": round(low, 4),
            "high": round(high, 4),
            "minus_base": paired_difference(lora, base),
            "examples": [
                {"question": c["question"], "answer": c["answer"], "adapter": g.text[:200]}
                for g, c in list(zip(with_adapter[part], chosen, strict=True))[:3]
            ],
            # question by question, so another engine's answers can be compared with these
            # (bench/finetune.py: the merged int8 model against transformers + peft)
            "stated": [
                {"question": c["question"], "answer": c["answer"], "adapter": a, "base": b}
                for c, a, b in zip(chosen, map(bool, lora), map(bool, base), strict=True)
            ],
        }
    return out


WHAT = {
    "trained": "its training questions, as written",
    "paraphrase": "the same facts asked in other words (never trained)",
    "unseen": "facts it never trained on",
}


def learned_lines(learned: dict[str, Any] | None) -> list[str]:
    """'What the adapter learned' as lines: share, interval, base, difference."""
    if not learned:
        return ["What the adapter learned: not checked (a cancelled or older run)."]
    lines = ["What the adapter learned (answers stating the fact; the base model alongside):"]
    for relation in RELATIONS:
        r = learned.get(relation)
        if r is None:
            lines.append(f"  {relation:<10} no such questions")
            continue
        asked = f"{r['n']}" + (f" (a sample of {r['of']})" if r["of"] > r["n"] else "")
        lines.append(
            f"  {relation:<10} {r['adapter']} of {asked}: {r['share']:.0%} "
            f"(95% interval {r['low']:.0%} to {r['high']:.0%}); base {r['base']} of {r['n']}; "
            f"adapter minus base {points(r['minus_base'])}"
        )
        lines.append(f"  {'':<10} ({WHAT[relation]})")
    return lines
