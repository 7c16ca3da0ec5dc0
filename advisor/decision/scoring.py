"""Scores from evidence: the arithmetic shared by the engine and flip analysis."""

from __future__ import annotations

from typing import Any

from advisor.conditions import holds
from advisor.decision.loader import RuleSet
from advisor.options import OPTIONS


def raw_scores(rules: RuleSet, values: dict[str, Any]) -> dict[str, float]:
    """Prior plus the evidence of every rule that holds; the fast path for flips."""
    totals = {o: float(rules.book.prior.get(o, 0.0)) for o in OPTIONS}
    for rule in rules.book.rules:
        if rule.evidence and holds(rule.when, values):
            for option, weight in rule.evidence.items():
                totals[option] += weight
    return totals


def normalise(raw: dict[str, float]) -> dict[str, float]:
    """Scores that sum to 1: negative totals count as zero, all-zero shares equally."""
    clipped = {o: max(v, 0.0) for o, v in raw.items()}
    total = sum(clipped.values())
    if total <= 0:
        return {o: 1 / len(clipped) for o in clipped}
    return {o: v / total for o, v in clipped.items()}


def verdict(rules: RuleSet, scores: dict[str, float]) -> list[str]:
    """Options best first; equal scores follow the book's tie order (cheapest step first)."""
    order = {o: i for i, o in enumerate(rules.book.tie_order)}
    return sorted(scores, key=lambda o: (-round(scores[o], 9), order[o]))
