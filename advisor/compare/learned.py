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

import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path
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


def checker(cache_dir: Path | None) -> Callable[[Any, Any, list[dict[str, str]]], dict[str, Any]]:
    """`check`, with the base model's answers kept in the model cache (BASE_ANSWERS): the
    base never changes, so a later run asks it only what it was not asked before, and the
    check takes about half the time. For `train_lora(check=checker(settings.model_cache))`."""

    def run(tok: Any, model: Any, checks: list[dict[str, str]]) -> dict[str, Any]:
        return check(tok, model, checks, cache_dir)

    return run


def check(
    tok: Any, model: Any, checks: list[dict[str, str]], cache_dir: Path | None = None
) -> dict[str, Any]:
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
        without = _base_answers(tok, model, messages, cache_dir)
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
            1.0 if correct(text, c["answer"], c["question"]) else 0.0
            for text, c in zip(without[part], chosen, strict=True)
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


BASE_ANSWERS = "base-answers.json"  # in the model cache: question key -> the base's answer
MAX_KEPT = 20_000  # answers kept; the oldest go first


def _identity(model: Any) -> list[Any]:
    """What the base's answers depend on: its weights (folder, files' sizes and times),
    dtype and device, and the answer length; any change asks the base again."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    folder = Path(str(getattr(base.config, "_name_or_path", "") or "."))
    files = sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
    stamps = [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    param = next(base.parameters())
    return [str(folder), stamps, str(param.dtype), str(param.device), MAX_NEW_TOKENS]


def _base_answers(tok: Any, model: Any, messages: list[Any], cache_dir: Path | None) -> list[str]:
    """The base model's answers (the adapter switched off by the caller), from the cache
    where it was asked before. Greedy decoding makes them the same each time, up to the
    float noise of other batch neighbours."""
    from advisor.llm.hf_generate import generate_batch_with

    if cache_dir is None:
        return [
            g.text for g in generate_batch_with(tok, model, messages, MAX_NEW_TOKENS, "base", BATCH)
        ]
    from advisor.cache import keep_json, read_json

    ident = _identity(model)
    keys = [
        hashlib.sha256(json.dumps([ident, m], sort_keys=True).encode()).hexdigest()
        for m in messages
    ]
    kept = read_json(cache_dir / BASE_ANSWERS)
    missing = [i for i, k in enumerate(keys) if not isinstance(kept.get(k), str)]
    if missing:
        asked = generate_batch_with(
            tok, model, [messages[i] for i in missing], MAX_NEW_TOKENS, "base", BATCH
        )
        kept.update({keys[i]: g.text for i, g in zip(missing, asked, strict=True)})
        if len(kept) > MAX_KEPT:
            kept = dict(list(kept.items())[-MAX_KEPT:])
        keep_json(cache_dir / BASE_ANSWERS, kept)
    return [kept[k] for k in keys]


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
