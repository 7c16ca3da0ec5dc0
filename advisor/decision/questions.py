"""The questionnaire: questions as data, answer validation, and which questions are asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from advisor.conditions import Condition, holds
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
            return "not asked"
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


class Questionnaire(_Strict):
    """The whole questionnaire, in the order questions are asked.

    `facts` are never asked: the program derives them from the answers (the cost model
    does, for example), and rules can test them like answers.
    """

    version: int = 1
    sections: list[Section] = Field(min_length=1)
    questions: list[Question] = Field(min_length=1)
    facts: list[Question] = []

    def by_id(self) -> dict[str, Question]:
        """The questions a user answers."""
        return {q.id: q for q in self.questions}

    def all_by_id(self) -> dict[str, Question]:
        """Questions and derived facts: everything a rule can test."""
        return {q.id: q for q in [*self.questions, *self.facts]}


Origin = Literal["given", "default", "not asked", "ignored", "derived"]
Derive = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Answers:
    """Effective answers: given, defaulted, or None where a question is not asked."""

    values: dict[str, Any]
    origin: dict[str, Origin]


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
    """Fill defaults and decide which questions are asked, in questionnaire order; then
    derive the facts from the answers, when a `derive` function is given.

    `ask_when` may only look at earlier questions (the loader checks), so one pass suffices.
    """
    values: dict[str, Any] = {}
    origin: dict[str, Origin] = {}
    for q in questionnaire.questions:
        asked = q.ask_when is None or holds(q.ask_when, values)
        if not asked:
            values[q.id] = None
            origin[q.id] = "ignored" if q.id in given else "not asked"
        elif q.id in given:
            values[q.id] = given[q.id]
            origin[q.id] = "given"
        else:
            values[q.id] = _copy(q.default)
            origin[q.id] = "default"
    derived = derive(values) if derive and questionnaire.facts else {}
    for fact in questionnaire.facts:
        values[fact.id] = derived.get(fact.id)
        origin[fact.id] = "derived" if values[fact.id] is not None else "not asked"
    return Answers(values, origin)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value
