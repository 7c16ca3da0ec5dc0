"""What would change the verdict: flips (one answer changed) and the next questions
worth asking (unanswered questions whose answers could change it most)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.conditions import iter_matches
from advisor.decision.loader import RuleSet
from advisor.decision.questions import Derive, Question, resolve
from advisor.decision.scoring import normalise, raw_scores, ruled_out, verdict
from advisor.options import OPTIONS

OPEN = ("given", "implied", "assumed", "unknown")  # answers a flip may change
UNANSWERED = ("assumed", "unknown")


@dataclass(frozen=True)
class Flip:
    """One answer change that alone changes the verdict, as a person would say it."""

    question: str
    value: Any
    shown: str
    recommendation: str
    scores: dict[str, float]
    text: str = ""


@dataclass(frozen=True)
class NextQuestion:
    """An unanswered question whose answer could change the verdict."""

    question: str
    text: str
    share: float  # of its possible answers, the share that change the verdict
    could_become: list[str]


def candidate_values(rules: RuleSet, q: Question) -> list[Any]:
    """The values worth trying for a question.

    Choices are tried one by one (a multi answer toggles one choice at a time, see
    `_variants`). A number only matters where a rule or constraint compares it, so we
    try each threshold and one step either side, plus the ends of its range.
    """
    if q.type != "number":
        return q.values
    cuts: set[float] = {q.min, q.max}  # type: ignore[arg-type]
    conditions = [r.when for r in rules.book.rules] + [c.when for c in rules.book.constraints]
    conditions += [x.ask_when for x in rules.questionnaire.questions if x.ask_when is not None]
    for cond in conditions:
        for _, m in iter_matches(cond):
            if m.question == q.id and isinstance(m.value, (int, float)):
                cuts.update((m.value - q.step, m.value, m.value + q.step))
    return sorted(_tidy(v) for v in cuts if q.min <= v <= q.max)  # type: ignore[operator]


def _tidy(v: float) -> float | int:
    return int(v) if float(v).is_integer() else v


def _outcome(
    rules: RuleSet, given: dict[str, Any], q: Question, value: Any, derive: Derive | None
) -> tuple[str, dict[str, float]]:
    values = resolve(rules.questionnaire, {**given, q.id: value}, derive).values
    raw, excluded = raw_scores(rules, values), ruled_out(rules, values)
    return verdict(rules, raw, excluded)[0], normalise(raw, excluded)


def find_flips(
    rules: RuleSet, given: dict[str, Any], current: str, derive: Derive | None = None
) -> list[Flip]:
    """One flip per answer and direction, at the nearest value that changes the verdict.

    Only answers the user gave, or could still give, are tried: a follow-up that is not
    asked changes nothing. `derive` must be the one the verdict was reached with.
    """
    answers = resolve(rules.questionnaire, given, derive)
    flips: list[Flip] = []
    for q in rules.questionnaire.questions:
        origin = answers.origin[q.id]
        if origin not in OPEN:
            continue
        now = answers.values[q.id]
        if q.type == "number":
            flips += _number_flips(rules, given, q, now, current, derive)
            continue
        for value in _variants(q, now):
            best, scores = _outcome(rules, given, q, value, derive)
            if best != current:
                shown = _shown(q, now, value)
                flips.append(Flip(q.id, value, shown, best, scores, _sentence(q, now, shown, best)))
    return flips


def _number_flips(
    rules: RuleSet,
    given: dict[str, Any],
    q: Question,
    now: Any,
    current: str,
    derive: Derive | None,
) -> list[Flip]:
    values = candidate_values(rules, q)
    if now is not None:  # the nearest value each way that changes the verdict
        ways = [("or more", [v for v in values if v > now]),
                ("or less", [v for v in reversed(values) if v < now])]  # fmt: skip
        out = []
        for words, tries in ways:
            for v in tries:
                best, scores = _outcome(rules, given, q, v, derive)
                if best != current:
                    text = (f"If the answer to “{q.text}” were {q.label_of(v)} {words} "
                            f"instead of {q.label_of(now)}, the verdict would become "
                            f"{OPTIONS[best]}.")  # fmt: skip
                    out.append(Flip(q.id, v, f"{q.label_of(v)} {words}", best, scores, text))
                    break
        return out
    # Unanswered: each run of neighbouring values that leads elsewhere, as a range.
    results = [(v, *_outcome(rules, given, q, v, derive)) for v in values]
    out, i = [], 0
    while i < len(results):
        v, best, scores = results[i]
        j = i
        while j + 1 < len(results) and results[j + 1][1] == best:
            j += 1
        if best != current:
            lo, hi = q.label_of(results[i][0]), q.label_of(results[j][0])
            if j == len(results) - 1 and i > 0:
                shown = f"{lo} or more"
            elif i == 0 and j < len(results) - 1:
                shown = f"{hi} or less"
            else:
                shown = lo if i == j else f"{lo} to {hi}"
            text = (f"You did not say: if the answer to “{q.text}” is {shown}, the verdict "
                    f"becomes {OPTIONS[best]}.")  # fmt: skip
            out.append(Flip(q.id, v, shown, best, scores, text))
        i = j + 1
    return out


def _variants(q: Question, current: Any) -> list[Any]:
    if q.type == "multi":
        chosen = list(current or [])
        return [[c for c in chosen if c != v] if v in chosen else [*chosen, v] for v in q.values]
    return [v for v in q.values if v != current]


def _shown(q: Question, now: Any, value: Any) -> str:
    if q.type != "multi":
        return q.label_of(value)
    changed = next(v for v in q.values if (v in (now or [])) != (v in value))
    label = q.label_of([changed])
    return f"with {label}" if changed in value else f"without {label}"


def _sentence(q: Question, now: Any, shown: str, best: str) -> str:
    if now is None and q.type == "multi":
        return (f"You did not say: if your answer to “{q.text}” includes "
                f"{shown.removeprefix('with ')}, the verdict becomes {OPTIONS[best]}.")  # fmt: skip
    if now is None:
        return (f"You did not say: if the answer to “{q.text}” is {shown}, the verdict "
                f"becomes {OPTIONS[best]}.")  # fmt: skip
    if q.type == "multi":
        return (
            f"If your answer to “{q.text}” were {shown}, the verdict would become {OPTIONS[best]}."
        )
    return (f"If you answered {shown} instead of {q.label_of(now)} to “{q.text}”, the "
            f"verdict would become {OPTIONS[best]}.")  # fmt: skip


def next_questions(
    rules: RuleSet,
    given: dict[str, Any],
    current: str,
    derive: Derive | None = None,
    limit: int = 3,
) -> list[NextQuestion]:
    """The unanswered questions whose possible answers could change the verdict most.

    Each is scored by the share of its possible answers that change the verdict (for a
    number: its thresholds, as in flips); ties go to the question that can lead to more
    different verdicts, then to questionnaire order. A follow-up whose parent is
    unanswered waits for its parent.
    """
    answers = resolve(rules.questionnaire, given, derive)
    found: list[tuple[float, int, int, NextQuestion]] = []
    for i, q in enumerate(rules.questionnaire.questions):
        if answers.origin[q.id] not in UNANSWERED:
            continue
        tries = (
            [[v] for v in q.values] if q.type == "multi" else candidate_values(rules, q)
        )  # fmt: skip
        outcomes = [_outcome(rules, given, q, v, derive)[0] for v in tries]
        moved = [o for o in outcomes if o != current]
        if moved:
            share = len(moved) / len(outcomes)
            become = sorted(set(moved), key=list(OPTIONS).index)
            found.append((-share, -len(become), i, NextQuestion(q.id, q.text, share, become)))
    return [n for *_, n in sorted(found, key=lambda t: t[:3])][:limit]
