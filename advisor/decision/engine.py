"""The decision engine: pure functions from answers to an explained Recommendation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from advisor.conditions import holds, trace
from advisor.decision.flips import Flip, NextQuestion, find_flips, next_questions
from advisor.decision.loader import RuleSet
from advisor.decision.measured import measured_flips
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
class RuledOut:
    """An option a constraint makes infeasible, and the answers that do it."""

    option: str
    constraint: str
    title: str
    because: list[str]
    answers: list[Evidence]
    rationale: str
    source: Source


@dataclass(frozen=True)
class Step:
    text: str
    source: Source | None


@dataclass(frozen=True)
class AnswerRow:
    question: str
    text: str
    value: Any  # what rules saw: None unless given or implied
    shown: str
    origin: str  # given | implied | assumed | unknown | not asked | ignored | derived
    reason: str = ""  # implied: the answer that settles it
    assumed: str = ""  # assumed: the value the cost estimate uses instead


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
    ruled_out: list[RuledOut] = field(default_factory=list)
    flips: list[Flip] = field(default_factory=list)
    next_questions: list[NextQuestion] = field(default_factory=list)
    # No rule with evidence fired and nothing was ruled out: the verdict is the rule book's
    # prior, and its shares (100% for one option) measure nothing about the case.
    starting_point: bool = False

    def by_origin(self, *origins: str) -> list[AnswerRow]:
        """The answer rows that came from these origins (given, assumed, unknown...)."""
        return [a for a in self.answers if a.origin in origins]


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
    ruled: list[RuledOut] = []
    for c in rules.book.constraints:
        t = trace(c.when, answers.values)
        if t.held:
            used = dict.fromkeys(m.question for m in t.matches() if m.held)
            rows = [Evidence(q, answers.values[q], qs[q].label_of(answers.values[q])) for q in used]
            for option in c.rules_out:
                if option not in {r.option for r in ruled}:
                    ruled.append(
                        RuledOut(option, c.id, c.title, t.because(), rows, c.rationale, c.source)
                    )
    excluded = {r.option for r in ruled}
    scores = normalise(raw, excluded)
    ranking = verdict(rules, raw, excluded)
    best = ranking[0]
    feasible = [o for o in ranking if o not in excluded]
    tie = [o for o in feasible if abs(raw[o] - raw[best]) < 1e-9]
    margin = rules.book.near_tie_margin
    near = [o for o in feasible if o not in tie and scores[best] - scores[o] <= margin]
    steps = [
        Step(s.text, s.source)
        for s in rules.book.next_steps[best]
        if s.when is None or holds(s.when, answers.values)
    ]
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
        ruled,
        starting_point=not ruled and not any(f.evidence for f in fired),
    )


def _answer_rows(rules: RuleSet, answers: Answers) -> list[AnswerRow]:
    rows = []
    for q in [*rules.questionnaire.questions, *rules.questionnaire.facts]:
        origin = answers.origin[q.id]
        value = answers.values[q.id]
        assumed = q.label_of(answers.filled[q.id]) if origin == "assumed" else ""
        reason = answers.reasons.get(q.id, "")
        rows.append(AnswerRow(q.id, q.text, value, q.label_of(value), origin, reason, assumed))
    return rows


def advise(rules: RuleSet, given: dict[str, Any], derive: Derive | None = None) -> Recommendation:
    """The full recommendation: verdict, explanation, flips and the next questions."""
    rec = evaluate(rules, given, derive)
    rec.flips = find_flips(rules, given, rec.recommendation, derive)
    rec.flips += measured_flips(rules, given, rec.recommendation, derive)
    rec.next_questions = next_questions(rules, given, rec.recommendation, derive)
    return rec
