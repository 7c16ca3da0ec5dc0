"""The decision engine: pure functions from answers to an explained Recommendation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.conditions import trace
from advisor.decision.flips import Flip, find_flips
from advisor.decision.loader import RuleSet
from advisor.decision.questions import Answers, Derive, resolve
from advisor.decision.rules import Source
from advisor.decision.scoring import normalise, verdict
from advisor.options import OPTIONS


@dataclass(frozen=True)
class Evidence:
    """One answer a fired rule rests on."""

    question: str
    value: Any
    shown: str


@dataclass(frozen=True)
class FiredRule:
    rule: str
    title: str
    evidence: dict[str, float]
    because: list[str]
    answers: list[Evidence]
    rationale: str
    source: Source
    see_also: list[Source]


@dataclass(frozen=True)
class RaisedWarning:
    id: str
    title: str
    message: str
    fix: str
    rule: str
    because: list[str]
    source: Source


@dataclass(frozen=True)
class Step:
    text: str
    source: Source | None


@dataclass(frozen=True)
class AnswerRow:
    question: str
    text: str
    value: Any
    shown: str
    origin: str


@dataclass
class Recommendation:
    """The verdict with everything needed to explain and challenge it."""

    recommendation: str
    label: str
    scores: dict[str, float]
    raw_scores: dict[str, float]
    ranking: list[str]
    tie: list[str]
    near_ties: list[str]
    fired: list[FiredRule]
    warnings: list[RaisedWarning]
    next_steps: list[Step]
    answers: list[AnswerRow]
    flips: list[Flip] = field(default_factory=list)


def evaluate(rules: RuleSet, given: dict[str, Any], derive: Derive | None = None) -> Recommendation:
    """Explain the verdict for validated answers (without flips: see `advise`).

    `derive` computes the facts that are not answers (cost comparisons, measurements)
    from the answers; the caller binds it to its prices and evidence (advisor.advice).
    Without it those facts are unknown and rules on them do not fire.
    """
    answers = resolve(rules.questionnaire, given, derive)
    qs = rules.questions
    raw = {o: float(rules.book.prior.get(o, 0.0)) for o in OPTIONS}
    fired: list[FiredRule] = []
    warnings: list[RaisedWarning] = []
    for rule in rules.book.rules:
        t = trace(rule.when, answers.values)
        if not t.held:
            continue
        for option, weight in rule.evidence.items():
            raw[option] += weight
        because = t.because()
        used = dict.fromkeys(m.question for m in t.matches())
        evidence = [Evidence(q, answers.values[q], qs[q].label_of(answers.values[q])) for q in used]
        fired.append(
            FiredRule(
                rule.id,
                rule.title,
                dict(rule.evidence),
                because,
                evidence,
                rule.rationale,
                rule.source,
                list(rule.see_also),
            )
        )
        if rule.warning:
            w = rule.warning
            warnings.append(
                RaisedWarning(w.id, w.title, w.message, w.fix, rule.id, because, rule.source)
            )
    scores = normalise(raw)
    ranking = verdict(rules, scores)
    top = scores[ranking[0]]
    margin = rules.book.near_tie_margin
    tie = [o for o in ranking if abs(scores[o] - top) < 1e-9]
    near = [o for o in ranking if o not in tie and top - scores[o] <= margin]
    best = ranking[0]
    steps = [Step(s.text, s.source) for s in rules.book.next_steps[best]]
    return Recommendation(
        best,
        OPTIONS[best],
        scores,
        raw,
        ranking,
        tie if len(tie) > 1 else [],
        near,
        fired,
        warnings,
        steps,
        _answer_rows(rules, answers),
    )


def _answer_rows(rules: RuleSet, answers: Answers) -> list[AnswerRow]:
    return [
        AnswerRow(
            q.id,
            q.text,
            answers.values[q.id],
            q.label_of(answers.values[q.id]),
            answers.origin[q.id],
        )
        for q in [*rules.questionnaire.questions, *rules.questionnaire.facts]
    ]


def advise(rules: RuleSet, given: dict[str, Any], derive: Derive | None = None) -> Recommendation:
    """The full recommendation: verdict, explanation and every single-answer flip."""
    rec = evaluate(rules, given, derive)
    rec.flips = find_flips(rules, given, rec.recommendation, derive)
    return rec
