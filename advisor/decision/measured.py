"""Flips over measured facts: which measurement, and how far off, would change the verdict.

Measured facts (the questionnaire's facts in the `evidence` section) come from a
comparison run through `derive`. A user cannot answer them differently, but they can ask
how robust the verdict is to them: "if the adapter had answered 30% of the unseen
questions (it answered 10%), the verdict would become Hybrid".
"""

from __future__ import annotations

from typing import Any

from advisor.decision.flips import Flip, candidate_values
from advisor.decision.loader import RuleSet
from advisor.decision.questions import Derive, Question, resolve
from advisor.decision.scoring import normalise, raw_scores, ruled_out, verdict
from advisor.options import OPTIONS

SECTION = "evidence"


def measured_flips(
    rules: RuleSet, given: dict[str, Any], current: str, derive: Derive | None
) -> list[Flip]:
    """For each measured fact, the nearest value each way that changes the verdict."""
    if derive is None:
        return []
    values = resolve(rules.questionnaire, given, derive).values
    flips: list[Flip] = []
    for fact in rules.questionnaire.facts:
        now = values.get(fact.id)
        if fact.section != SECTION or fact.type != "number" or now is None:
            continue
        tries = candidate_values(rules, fact)
        for words, side in (("or more", [v for v in tries if v > now]),
                            ("or less", [v for v in reversed(tries) if v < now])):  # fmt: skip
            for v in side:
                best, scores = _outcome(rules, given, derive, fact, v)
                if best != current:
                    flips.append(_flip(fact, now, v, words, best, scores))
                    break
    return flips


def _outcome(
    rules: RuleSet, given: dict[str, Any], derive: Derive, fact: Question, value: float
) -> tuple[str, dict[str, float]]:
    def moved(answers: dict[str, Any]) -> dict[str, Any]:
        return {**derive(answers), fact.id: value}

    vals = resolve(rules.questionnaire, given, moved).values
    raw, excluded = raw_scores(rules, vals), ruled_out(rules, vals)
    return verdict(rules, raw, excluded)[0], normalise(raw, excluded)


def _show(fact: Question, value: float) -> str:
    if fact.max is not None and fact.max <= 1:  # a share
        return f"{value:.0%}"
    return fact.label_of(value)


def _flip(
    fact: Question, now: float, v: float, words: str, best: str, scores: dict[str, float]
) -> Flip:
    shown = f"{_show(fact, v)} {words}"
    text = (
        f"Measured: if “{fact.text}” were {shown} (it measured {_show(fact, now)}), the "
        f"verdict would become {OPTIONS[best]}."
    )
    return Flip(fact.id, v, shown, best, scores, text)
