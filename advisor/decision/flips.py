"""Flip analysis: which single answer, changed, would change the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.conditions import iter_matches
from advisor.decision.loader import RuleSet
from advisor.decision.questions import Derive, Question, resolve
from advisor.decision.scoring import normalise, raw_scores, verdict


@dataclass(frozen=True)
class Flip:
    """One answer change that alone changes the verdict."""

    question: str
    value: Any
    shown: str
    recommendation: str
    scores: dict[str, float]


def candidate_values(rules: RuleSet, q: Question) -> list[Any]:
    """The values worth trying for a question.

    Choices are tried one by one (a multi answer toggles one choice at a time, see
    `_variants`). A number only matters where a rule compares it, so we try each
    threshold and one step either side, plus the ends of its range.
    """
    if q.type != "number":
        return q.values
    cuts: set[float] = {q.min, q.max}  # type: ignore[arg-type]
    conditions = [r.when for r in rules.book.rules]
    conditions += [x.ask_when for x in rules.questionnaire.questions if x.ask_when is not None]
    for cond in conditions:
        for _, m in iter_matches(cond):
            if m.question == q.id and isinstance(m.value, (int, float)):
                cuts.update((m.value - q.step, m.value, m.value + q.step))
    return sorted(_tidy(v) for v in cuts if q.min <= v <= q.max)  # type: ignore[operator]


def _tidy(v: float) -> float | int:
    return int(v) if float(v).is_integer() else v


def _variants(rules: RuleSet, q: Question, current: Any) -> list[Any]:
    if q.type == "multi":
        chosen = list(current or [])
        return [[c for c in chosen if c != v] if v in chosen else [*chosen, v] for v in q.values]
    return [v for v in candidate_values(rules, q) if v != current]


def find_flips(
    rules: RuleSet, given: dict[str, Any], current: str, derive: Derive | None = None
) -> list[Flip]:
    """Every change of one asked question's answer that changes the verdict.

    Questions not asked are skipped: changing them changes nothing. Changing a question
    can reveal follow-ups, which then take their defaults, as in the questionnaire.
    `derive` must be the one the verdict was reached with (same prices, same evidence).
    """
    answers = resolve(rules.questionnaire, given, derive)
    flips: list[Flip] = []
    for q in rules.questionnaire.questions:
        if answers.origin[q.id] in ("not asked", "ignored"):
            continue
        for value in _variants(rules, q, answers.values[q.id]):
            trial = {**given, q.id: value}
            values = resolve(rules.questionnaire, trial, derive).values
            scores = normalise(raw_scores(rules, values))
            best = verdict(rules, scores)[0]
            if best != current:
                flips.append(Flip(q.id, value, q.label_of(value), best, scores))
    return flips
