"""How long a comparison will take here, said before it starts.

Each finished comparison leaves its measured speed in the user's model cache, one record
per generator, engine, base model and device: seconds per answer for each arm, and the
seconds per question around the answers (retrieval, scoring). The next estimate is its
own number of questions times those speeds. Before any comparison on this machine, the
built-in model on a CPU is estimated from the benchmark measured on a 2-core laptop
(PRIOR), and says so; another setup has nothing to estimate from until its first run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean
from typing import Any

from advisor.cache import keep_json, read_json
from advisor.settings import Settings

SPEED_FILE = "compare-speed.json"
# bench/compare.py on 2 idle cores, 2026-12-04 (docs/benchmarks.md): 45 golden questions
# through the four arms in 162 s, embedded ONNX generator, built-in model: 0.9 s an answer.
# The ONNX engine runs on the CPU whatever the device says, so "auto" is covered too.
PRIOR_KEYS = ("embedded|onnx|SmolLM2-135M-Instruct|cpu", "embedded|onnx|SmolLM2-135M-Instruct|auto")
PRIOR = {"seconds_per_answer": 0.9, "seconds_per_question": 0.0}


@dataclass(frozen=True)
class Estimate:
    seconds: float | None  # None: nothing measured for this setup yet
    basis: str  # where the figure comes from, in words

    @property
    def text(self) -> str:
        from advisor.finetune.estimate import duration

        if self.seconds is None:
            return self.basis
        return f"about {duration(self.seconds)} ({self.basis})"


def setup_key(settings: Settings) -> str:
    from advisor.llm.base_model import model_id_of

    model = model_id_of(settings.base_model)
    return f"{settings.generator}|{settings.engine}|{model}|{settings.device}"


def _load(cache_dir: Path) -> dict[str, Any]:
    return read_json(cache_dir / SPEED_FILE)  # none, or unreadable: the prior or none


def remember(cache_dir: Path, key: str, run: Any) -> None:
    """Keep a run's measured speeds (a cancelled run's too: its answers are as measured)."""
    per_arm: dict[str, list[float]] = {}
    for c in run.cells:
        per_arm.setdefault(c.arm, []).append(c.seconds)
    if not per_arm or not run.rows:
        return
    answering = sum(sum(v) for v in per_arm.values())
    questions = len({c.question_id for c in run.cells}) or 1
    data = _load(cache_dir)
    data[key] = {
        "seconds_per_answer": {arm: round(fmean(v), 4) for arm, v in per_arm.items()},
        "seconds_per_question": round(max(0.0, run.seconds - answering) / questions, 4),
        "at": time.strftime("%Y-%m-%d %H:%M"),
    }
    keep_json(cache_dir / SPEED_FILE, data)  # an estimate is a convenience


def estimate(cache_dir: Path, key: str, arms: list[str], questions: int) -> Estimate:
    """The time `questions` x `arms` will take with this setup, and what it rests on."""
    record = _load(cache_dir).get(key)
    if isinstance(record, dict) and isinstance(record.get("seconds_per_answer"), dict):
        speeds = record["seconds_per_answer"]
        known = [float(v) for v in speeds.values() if isinstance(v, int | float)]
        if known:
            # an arm not in the last run is taken at the mean of those that were
            seconds = sum(float(speeds.get(a, fmean(known))) for a in arms) * questions
            seconds += float(record.get("seconds_per_question") or 0.0) * questions
            return Estimate(seconds, f"from the last comparison here, {record.get('at', '')}")
    if key in PRIOR_KEYS:
        per_question = PRIOR["seconds_per_answer"] * len(arms) + PRIOR["seconds_per_question"]
        seconds = per_question * questions
        return Estimate(
            seconds, "from the benchmark on a 2-core laptop: no comparison has run here yet"
        )
    return Estimate(None, "no estimate yet: nothing has run with this model and device here")
