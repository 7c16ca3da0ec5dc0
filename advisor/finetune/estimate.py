"""How long a training run will take here, said before it starts.

Each finished run leaves its measured speed in the user's model cache (one record per base
model, device and dtype): seconds per unit of training text and the fixed seconds around
it (loading the model, checking what it learned). The next run's estimate is its own
amount of text times that speed, so it holds for a larger corpus, more epochs or the
quick preset alike. Before any run on this machine, the built-in model on a CPU is
estimated from the speed measured on a 2-core laptop CPU (PRIORS), and says so; another
base model or device has nothing to estimate from until its first run, and the run's ETA
(from the tokens seen so far) takes over after its first steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.cache import keep_json, read_json
from advisor.finetune.pairs import MIN_PAIRS, Pair, PairSet, first_facts

SPEED_FILE = "train-speed.json"
# A run on the documents' facts fits this budget by default (`advisor finetune --minutes`,
# the Fine-tune page): about 50 facts with the built-in model on 2 idle cores.
DEFAULT_MINUTES = 4.0
# The built-in model's default run (`advisor finetune --docs demo_corpus/`) on 2 idle
# cores, 2026-12-04 (docs/benchmarks.md): 103 s of training for 175,012 characters in
# bfloat16, 52 s around it. Without native bfloat16 the CPU trains in float32, about
# 1.8x slower (docs/fine-tuning.md).
_BUILT_IN = "SmolLM2-135M-Instruct"
PRIORS = {
    f"{_BUILT_IN}|cpu|bfloat16": {"seconds_per_char": 5.9e-4, "fixed_seconds": 52.0},
    f"{_BUILT_IN}|cpu|float32": {"seconds_per_char": 1.06e-3, "fixed_seconds": 60.0},
}
_TEMPLATE_CHARS = 120  # the system prompt and chat markers around every example


def work(pairs: PairSet, epochs: int, batch_size: int, max_steps: int | None) -> float:
    """Characters of training text the run will see (the estimate's unit)."""
    per_epoch = sum(
        len(p.prompt) + len(p.completion) + sum(len(c) for c in p.context) + _TEMPLATE_CHARS
        for p in pairs.train
    )
    steps_per_epoch = max(1, math.ceil(len(pairs.train) / batch_size))
    steps = min(epochs * steps_per_epoch, max_steps or 10**9)
    return per_epoch * steps / steps_per_epoch


def _key(run_or_ref: dict[str, Any]) -> str:
    return f"{run_or_ref.get('base_model')}|{run_or_ref.get('device')}|{run_or_ref.get('dtype')}"


def _load(cache_dir: Path) -> dict[str, Any]:
    return read_json(cache_dir / SPEED_FILE)  # none, or unreadable: no estimate, no error


def remember(cache_dir: Path, run: dict[str, Any]) -> None:
    """Keep a finished run's speed for the next estimate (a cancelled run's too: its
    seconds per unit of text are as measured)."""
    seen, planned = run.get("tokens_seen") or 0, run.get("tokens_planned") or 0
    units = (run.get("work_chars") or 0) * (seen / planned if planned else 0)
    if not units or not run.get("train_seconds"):
        return
    data = _load(cache_dir)
    data[_key(run)] = {
        "seconds_per_char": run["train_seconds"] / units,
        "fixed_seconds": max(0.0, run.get("wall_seconds", 0) - run["train_seconds"]),
        "at": time.strftime("%Y-%m-%d %H:%M"),
    }
    keep_json(cache_dir / SPEED_FILE, data)  # an estimate is a convenience


@dataclass(frozen=True)
class Estimate:
    seconds: float | None
    text: str  # "about 1.6 min (from the last run on this machine, 2026-12-02 13:20)"


def estimate(
    cache_dir: Path,
    pairs: PairSet,
    config: Any,
    base_model: Any = None,
    device: str = "auto",
) -> Estimate:
    """The estimate for training `pairs` with `config` (a TrainConfig) here."""
    from advisor.llm.base_model import base_model_ref
    from advisor.llm.device import resolve_device, train_dtype

    resolved = resolve_device(device)
    key = _key(
        {
            "base_model": base_model_ref(base_model).record().get("base_model"),
            "device": resolved,
            "dtype": train_dtype(resolved),
        }
    )
    speed = _load(cache_dir).get(key)
    measured = isinstance(speed, dict) and bool(speed.get("seconds_per_char"))
    if not measured:
        speed = PRIORS.get(key)
        if speed is None:
            return Estimate(
                None, "no run on this machine yet; the ETA shows after the first training steps"
            )
    units = work(pairs, config.epochs, config.batch_size, config.max_steps)
    seconds = units * float(speed["seconds_per_char"]) + float(speed.get("fixed_seconds", 0))
    if not measured:
        return Estimate(
            seconds,
            f"about {duration(seconds)} (as measured on a 2-core laptop CPU; no run on this "
            "machine yet, its own speed replaces this after the first)",
        )
    return Estimate(
        seconds, f"about {duration(seconds)} (from the last run on this machine, {speed['at']})"
    )


def duration(seconds: float) -> str:
    """45 s, 3.5 min, 12 min, 2.4 h: the unit a person reads an ETA in."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 10:
        return f"{minutes:.1f} min"
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


@dataclass(frozen=True)
class Budget:
    pairs: list[Pair]  # the facts to train on, with the held-out ones their checks need
    facts: int  # trained facts
    available: int  # trainable facts in the documents
    estimate: Estimate | None  # of the whole run with these facts


def fit_budget(
    pairs: list[Pair], seconds: float, estimate_for: Callable[[list[Pair]], Estimate]
) -> Budget:
    """As many trainable facts as a run of about `seconds` can take here (the estimate
    counts loading and the learned-facts check too), at least MIN_PAIRS when there are."""
    available = len([p for p in pairs if not p.held_out])
    lo, hi = min(MIN_PAIRS, available), available
    best = estimate_for(first_facts(pairs, lo))
    if best.seconds is None:  # nothing to estimate from: a modest run, named as such
        n = min(available, 40)
        return Budget(first_facts(pairs, n), n, available, None)
    while lo < hi:  # the largest n whose estimate fits
        mid = (lo + hi + 1) // 2
        guess = estimate_for(first_facts(pairs, mid))
        if guess.seconds is not None and guess.seconds <= seconds:
            lo, best = mid, guess
        else:
            hi = mid - 1
    best = estimate_for(first_facts(pairs, lo))
    return Budget(first_facts(pairs, lo), lo, available, best)
