"""Aggregates of scored cells: bootstrap intervals, per-arm means split by tag and by
relation, and how often the arms disagree. Pure: no models, no files."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any


def bootstrap_ci(
    values: Sequence[float], n: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """(mean, low, high): percentile bootstrap of the mean, deterministic for a seed.

    One value gives (v, v, v); an empty list is a ValueError (nothing to estimate).
    """
    if not values:
        raise ValueError("bootstrap_ci needs at least one value")
    if not 0 < level < 1 or n < 1:
        raise ValueError("level must be in (0, 1) and n at least 1")
    data = [float(v) for v in values]
    mean = fmean(data)
    if len(set(data)) == 1:
        return mean, mean, mean
    rng = random.Random(seed)
    k = len(data)
    means = sorted(fmean(rng.choices(data, k=k)) for _ in range(n))
    tail = (1 - level) / 2
    low = means[max(0, math.floor(tail * n))]
    high = means[min(n - 1, math.ceil((1 - tail) * n) - 1)]
    return mean, min(low, mean), max(high, mean)  # a skewed resample must not exclude the mean


def share_interval(part: int, whole: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson's interval of the share `part / whole` (scipy): for the few facts an adapter
    knew, where a bootstrap of 4 of 4 resamples to "100% to 100%", a certainty four facts
    cannot give."""
    from scipy.stats import binomtest

    ci = binomtest(part, whole).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class Stat:
    """n scored cells, their mean and 95% bootstrap interval."""

    n: int
    mean: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float | int]:
        """Rounded for JSON."""
        return {
            "n": self.n,
            "mean": round(self.mean, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
        }


@dataclass(frozen=True)
class Aggregate:
    """One score aggregated per arm, and per arm split by tag and by relation."""

    by_arm: dict[str, Stat]
    by_tag: dict[str, dict[str, Stat]] = field(default_factory=dict)  # arm -> tag -> Stat
    by_relation: dict[str, dict[str, Stat]] = field(default_factory=dict)  # arm -> relation


def _value(cell: Any, key: str | Callable[[Any], float | None]) -> float | None:
    if callable(key):
        return key(cell)
    if hasattr(cell, key):
        return getattr(cell, key)
    return getattr(getattr(cell, "scores", None), key, None)  # a record holding CellScores


def _stat(values: list[float]) -> Stat:
    mean, low, high = bootstrap_ci(values)
    return Stat(len(values), mean, low, high)


def aggregate(
    cells: Iterable[Any], key: str | Callable[[Any], float | None] = "correct"
) -> Aggregate:
    """Per arm n / mean / interval of one score; None values are not applicable, skipped.

    A cell is any record with `arm`, `tag` and `relation` and the score as an attribute
    named `key` (or inside its `scores`), or `key` is a function of the cell.
    """
    arms: dict[str, list[float]] = defaultdict(list)
    tags: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    relations: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for cell in cells:
        value = _value(cell, key)
        if value is None:
            continue
        arms[cell.arm].append(float(value))
        if getattr(cell, "tag", None):
            tags[cell.arm][cell.tag].append(float(value))
        if getattr(cell, "relation", None):
            relations[cell.arm][cell.relation].append(float(value))
    return Aggregate(
        {a: _stat(v) for a, v in arms.items()},
        {a: {t: _stat(v) for t, v in sorted(g.items())} for a, g in tags.items()},
        {a: {r: _stat(v) for r, v in sorted(g.items())} for a, g in relations.items()},
    )


Grid = Mapping[str, Mapping[str, float | bool | None]]  # question id -> arm -> pass / fail


def grid_of(cells: Iterable[Any], key: str = "correct") -> dict[str, dict[str, float | None]]:
    """The pass/fail grid from records with `question_id`, `arm` and a `key` score."""
    grid: dict[str, dict[str, float | None]] = defaultdict(dict)
    for cell in cells:
        grid[cell.question_id][cell.arm] = _value(cell, key)
    return dict(grid)


def _verdicts(grid: Grid, arms: Sequence[str] | None) -> list[list[bool]]:
    """Per question, its arms' verdicts; with `arms`, only questions scored in all of them."""
    out = []
    for row in grid.values():
        names = list(arms) if arms is not None else list(row)
        scored = [bool(row[a]) for a in names if row.get(a) is not None]
        if scored and (arms is None or len(scored) == len(names)):
            out.append(scored)
    return out


def disagreements(grid: Grid, arms: Sequence[str] | None = None) -> int:
    """Questions where the arms' pass/fail differ (at least two arms scored)."""
    return sum(len(set(v)) > 1 for v in _verdicts(grid, arms))


def all_fail(grid: Grid, arms: Sequence[str] | None = None) -> int:
    """Questions that every scored arm failed."""
    return sum(not any(v) for v in _verdicts(grid, arms))


MIN_PAIRED = 5  # fewer paired questions: no interval, said so


def paired_difference(a: Sequence[float], b: Sequence[float]) -> dict[str, Any]:
    """Arm A minus arm B on the same questions (1.0 / 0.0 each): the mean difference with
    a paired bootstrap interval (the per-question differences resampled together), and
    McNemar's exact test on the discordant pairs (scipy's binomial test).

    Under MIN_PAIRED questions the figures are not applicable and say why.
    """
    if len(a) != len(b):
        raise ValueError("paired scores need the same questions in both arms")
    n = len(a)
    a_only = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    b_only = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    out: dict[str, Any] = {"n": n, "a_only": a_only, "b_only": b_only}
    if n < MIN_PAIRED:
        return {**out, "applicable": False, "why": f"only {n} paired questions (need {MIN_PAIRED})"}
    from scipy.stats import binomtest

    mean, low, high = bootstrap_ci([x - y for x, y in zip(a, b, strict=True)])
    discordant = a_only + b_only
    p = binomtest(min(a_only, b_only), discordant, 0.5).pvalue if discordant else 1.0
    return {
        **out,
        "applicable": True,
        "mean": round(mean, 4),
        "low": round(low, 4),
        "high": round(high, 4),
        "mcnemar_p": float(p),
        "excludes_zero": low > 0 or high < 0,
    }


def points(diff: dict[str, Any]) -> str:
    """`+42 points (95% interval +28 to +55; n=30)`, or why there is no figure."""
    if not diff.get("applicable"):
        return f"not applicable: {diff.get('why', 'no paired questions')}"
    p = diff["mcnemar_p"]  # two significant digits: 0.00049, 0.21, 1
    return (
        f"{diff['mean'] * 100:+.0f} points (95% interval {diff['low'] * 100:+.0f} to "
        f"{diff['high'] * 100:+.0f}; n={diff['n']}, McNemar p={p:.2g})"
    )
