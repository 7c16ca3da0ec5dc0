"""The questionnaire: questions as data, answer validation, and which questions are asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from advisor.conditions import Condition, holds, iter_matches
from advisor.errors import Problem
from advisor.yamlio import LineMap

QuestionType = Literal["single", "multi", "number", "yes_no"]
_ID = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    value: str = Field(pattern=_ID)
    label: str
    help: str = ""


class Section(_Strict):
    id: str = Field(pattern=_ID)
    title: str
    help: str = ""


class Question(_Strict):
    """One question; `ask_when` makes it a follow-up shown only when relevant."""

    id: str = Field(pattern=_ID)
    section: str
    text: str
    help: str = ""
    type: QuestionType
    choices: list[Choice] | None = None
    min: float | None = None
    max: float | None = None
    step: float = Field(1, gt=0)
    unit: str = ""
    default: Any = None
    ask_when: Condition | None = None

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if self.type in ("single", "multi"):
            if not self.choices:
                raise ValueError(f"a {self.type} question needs choices")
            values = [c.value for c in self.choices]
            if len(set(values)) != len(values):
                raise ValueError("choice values must be unique")
        elif self.choices is not None:
            raise ValueError(f"a {self.type} question takes no choices")
        if self.type != "number" and (self.min is not None or self.max is not None):
            raise ValueError("only number questions take min and max")
        if self.type == "number" and (self.min is None or self.max is None or self.min > self.max):
            raise ValueError("a number question needs min <= max")
        return self  # the default is checked by the loader, which can point at its line

    @property
    def values(self) -> list[Any]:
        """Every allowed value of a choice or yes/no question."""
        if self.type == "yes_no":
            return [True, False]
        return [c.value for c in self.choices or []]

    def label_of(self, value: Any) -> str:
        """How a value reads to a person."""
        if value is None:
            return "not answered"
        if self.type == "yes_no":
            return "yes" if value else "no"
        if self.type == "number":
            shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
            return f"{shown} {self.unit}".strip()
        labels = {c.value: c.label for c in self.choices or []}
        if self.type == "multi":
            return ", ".join(labels[v] for v in value) or "none"
        return labels[value]

    def check(self, value: Any) -> str | None:
        """Why `value` is not a valid answer to this question, or None when it is."""
        if self.type == "yes_no":
            return None if isinstance(value, bool) else f"expected yes or no, got {value!r}"
        if self.type == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"expected a number, got {value!r}"
            if not self.min <= value <= self.max:  # type: ignore[operator]
                return f"{value:,} is outside {self.min:,g} to {self.max:,g}"
            return None
        allowed = self.values
        if self.type == "single":
            if value not in allowed:
                return f"{value!r} is not one of: {', '.join(allowed)}"
            return None
        if not isinstance(value, list):
            return f"expected a list of choices, got {value!r}"
        bad = [v for v in value if v not in allowed]
        if bad:
            return f"{bad[0]!r} is not one of: {', '.join(allowed)}"
        if len(set(value)) != len(value):
            return "a choice is listed twice"
        return None


class Implication(_Strict):
    """An answer that settles others: when `when` holds, the questions in `then` take
    these values unless the user answered them (a failing test set means there is one)."""

    when: Condition
    then: dict[str, Any] = Field(min_length=1)
    because: str


class Questionnaire(_Strict):
    """The whole questionnaire, in the order questions are asked.

    `facts` are never asked: the program derives them from the answers (the cost model
    does, for example), and rules can test them like answers.
    """

    version: int = 1
    sections: list[Section] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    facts: list[Question] = []
    implications: list[Implication] = []

    def by_id(self) -> dict[str, Question]:
        """The questions a user answers."""
        return {q.id: q for q in self.questions}

    def all_by_id(self) -> dict[str, Question]:
        """Questions and derived facts: everything a rule can test."""
        return {q.id: q for q in [*self.questions, *self.facts]}


# given: the user said it. implied: another answer settles it (`reason` says which).
# assumed: unanswered, and the question's `default` stands in for the cost model only.
# unknown: unanswered, no assumption. not asked / ignored: a follow-up whose parent rules
# it out (ignored: it was answered anyway). derived: a fact computed from the answers.
Origin = Literal["given", "implied", "assumed", "unknown", "not asked", "ignored", "derived"]
Derive = Callable[[dict[str, Any]], dict[str, Any]]
STATED = ("given", "implied")


@dataclass(frozen=True)
class Answers:
    """What rules see (`values`: stated answers, None for anything unanswered), what the
    cost model sees (`filled`: the same plus assumptions), and where each came from."""

    values: dict[str, Any]
    origin: dict[str, Origin]
    filled: dict[str, Any] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # implied answers: why


def validate_answers(
    questionnaire: Questionnaire, raw: Any, lines: LineMap | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """Check a mapping question id -> value; returns the valid answers and the problems."""
    where = lines or LineMap("answers", {})
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [where.problem((), "answers must be a mapping of question id to value")]
    questions = questionnaire.by_id()
    good: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in raw.items():
        q = questions.get(str(key))
        if q is None and any(f.id == key for f in questionnaire.facts):
            problems.append(
                where.problem((str(key),), "is derived from the other answers, not answered")
            )
            continue
        if q is None:
            known = ", ".join(questions)
            problems.append(where.problem((str(key),), f"unknown question; known ids: {known}"))
            continue
        error = q.check(value)
        if error:
            problems.append(where.problem((q.id,), error))
        else:
            good[q.id] = value
    return good, problems


def resolve(
    questionnaire: Questionnaire, given: dict[str, Any], derive: Derive | None = None
) -> Answers:
    """Decide, in questionnaire order, what each question's answer is and where it came
    from; then derive the facts from the filled answers, when `derive` is given.

    Rules never see an assumption: an unanswered question is None to them, so a rule on
    labelled examples or model access cannot fire on what the user did not say.
    A follow-up answered while its parent is unanswered counts (the parent is unknown,
    not contradicted); one whose parent's answer rules it out is ignored.
    """
    implied, reasons = _implied(questionnaire, given)
    values: dict[str, Any] = {}
    filled: dict[str, Any] = {}
    origin: dict[str, Origin] = {}
    for q in questionnaire.questions:
        asked = q.ask_when is None or holds(q.ask_when, values)
        stated = q.id in given or q.id in implied
        if stated and (asked or _rests_on_unknown(q.ask_when, values)):
            value = given[q.id] if q.id in given else implied[q.id]
            values[q.id] = filled[q.id] = value
            origin[q.id] = "given" if q.id in given else "implied"
        elif asked:
            values[q.id] = None
            filled[q.id] = _copy(q.default)
            origin[q.id] = "assumed" if q.default is not None else "unknown"
        else:
            values[q.id] = filled[q.id] = None
            origin[q.id] = "ignored" if q.id in given else "not asked"
    derived = derive(filled) if derive and questionnaire.facts else {}
    for fact in questionnaire.facts:
        values[fact.id] = filled[fact.id] = derived.get(fact.id)
        origin[fact.id] = "derived" if values[fact.id] is not None else "not asked"
    kept = {q: r for q, r in reasons.items() if origin.get(q) == "implied"}
    return Answers(values, origin, filled, kept)


def _implied(qn: Questionnaire, given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers that other answers settle; a given answer always wins. Repeated until
    nothing changes, so one implication can rest on another."""
    implied: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for _ in range(len(qn.implications) + 1):
        seen = {**implied, **given}
        grew = False
        for imp in qn.implications:
            if not holds(imp.when, seen):
                continue
            for qid, value in imp.then.items():
                if qid not in given and qid not in implied:
                    implied[qid], reasons[qid], grew = _copy(value), imp.because, True
        if not grew:
            break
    return implied, reasons


def _rests_on_unknown(cond: Condition | None, values: dict[str, Any]) -> bool:
    """Whether a follow-up's condition failed only for want of an answer."""
    return cond is not None and any(values.get(m.question) is None for _, m in iter_matches(cond))


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
