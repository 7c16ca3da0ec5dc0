"""Scores from evidence: the arithmetic shared by the engine, flips and next questions."""

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


def ruled_out(rules: RuleSet, values: dict[str, Any]) -> set[str]:
    """Options that a constraint makes infeasible for these answers."""
    return {o for c in rules.book.constraints if holds(c.when, values) for o in c.rules_out}


def normalise(
    raw: dict[str, float], excluded: set[str] | frozenset[str] = frozenset()
) -> dict[str, float]:
    """Shares that sum to 1 over the feasible options (ruled-out ones get 0): negative
    totals count as zero, and all-zero shares equally."""
    clipped = {o: 0.0 if o in excluded else max(v, 0.0) for o, v in raw.items()}
    total = sum(clipped.values())
    if total <= 0:
        feasible = [o for o in raw if o not in excluded]
        return {o: (1 / len(feasible) if o in feasible else 0.0) for o in raw}
    return {o: v / total for o, v in clipped.items()}


def verdict(
    rules: RuleSet, raw: dict[str, float], excluded: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """Options best first by raw evidence; ruled-out options last. Equal evidence
    follows the book's tie order, and the engine reports the tie as a tie."""
    order = {o: i for i, o in enumerate(rules.book.tie_order)}
    return sorted(raw, key=lambda o: (o in excluded, -round(raw[o], 9), order[o]))


def decide(rules: RuleSet, values: dict[str, Any]) -> str:
    """The verdict alone, for the many trial answers of flips and next questions."""
    return verdict(rules, raw_scores(rules, values), ruled_out(rules, values))[0]
