"""Condition trees (`all` / `any` / `not` over answer tests) and their evaluation.

Two evaluators share one semantics: `holds` answers yes/no fast (flip analysis runs it
hundreds of times), `trace` keeps every test's result so a verdict can explain itself.
A question that was not answered (or not asked) has the value None and every test on it
is false, so `not` reads "not stated": `not: {question: x, eq: true}` holds when x is
no or unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

OPERATORS = ("eq", "ne", "in", "not_in", "gte", "gt", "lte", "lt", "contains", "contains_any")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Match(_Strict):
    """One test of one answer, e.g. `{question: knowledge_change, in: [daily, weekly]}`."""

    question: str
    eq: Any = None
    ne: Any = None
    in_: list[Any] | None = Field(None, alias="in")
    not_in: list[Any] | None = None
    gte: float | None = None
    gt: float | None = None
    lte: float | None = None
    lt: float | None = None
    contains: Any = None
    contains_any: list[Any] | None = None

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> Match:
        given = [op for op in OPERATORS if getattr(self, _attr(op)) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a test needs exactly one operator out of {', '.join(OPERATORS)}; "
                f"got {', '.join(given) or 'none'}"
            )
        return self

    # Cached: evaluation reads these hundreds of times per verdict.
    @cached_property
    def op(self) -> str:
        return next(op for op in OPERATORS if getattr(self, _attr(op)) is not None)

    @cached_property
    def value(self) -> Any:
        return getattr(self, _attr(self.op))


class All(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


class Not(_Strict):
    not_: Condition = Field(alias="not")


def _kind(data: Any) -> str | None:
    if isinstance(data, dict):
        for key in ("all", "any", "not", "question"):
            if key in data:
                return _TAGS[key]
        return None
    return {All: "<all>", AnyOf: "<any>", Not: "<not>", Match: "<match>"}.get(type(data))


# Tags are in angle brackets so error paths can drop them (they are not YAML keys).
_TAGS = {"all": "<all>", "any": "<any>", "not": "<not>", "question": "<match>"}


Condition = Annotated[
    Annotated[All, Tag("<all>")]
    | Annotated[AnyOf, Tag("<any>")]
    | Annotated[Not, Tag("<not>")]
    | Annotated[Match, Tag("<match>")],
    Discriminator(
        _kind,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with one of: all, any, not, question",
    ),
]

for _model in (All, AnyOf, Not):
    _model.model_rebuild()


def _attr(op: str) -> str:
    return "in_" if op == "in" else op


def match_holds(op: str, expected: Any, actual: Any) -> bool:
    """Whether one answer passes one test; an unasked question (None) passes none."""
    if actual is None:
        return False
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "gte":
        return actual >= expected
    if op == "gt":
        return actual > expected
    if op == "lte":
        return actual <= expected
    if op == "lt":
        return actual < expected
    if op == "contains":
        return expected in actual
    if op == "contains_any":
        return any(v in actual for v in expected)
    raise ValueError(f"unknown operator {op}")


def holds(cond: Condition, answers: dict[str, Any]) -> bool:
    """Whether the condition holds for these answers."""
    if isinstance(cond, Match):
        return match_holds(cond.op, cond.value, answers.get(cond.question))
    if isinstance(cond, All):
        return all(holds(c, answers) for c in cond.all)
    if isinstance(cond, AnyOf):
        return any(holds(c, answers) for c in cond.any)
    return not holds(cond.not_, answers)


@dataclass(frozen=True)
class MatchResult:
    """A test with the answer it saw and whether it held."""

    question: str
    op: str
    expected: Any
    actual: Any
    held: bool

    def describe(self, negated: bool = False) -> str:
        if self.actual is None:  # a `not` that held because nothing was said
            return f"{self.question} is not answered"
        shown = _show(self.actual)
        symbol = _SYMBOLS[self.op]
        text = f"{self.question} = {shown} ({symbol} {_show(self.expected)})"
        return f"not [{text}]" if negated else text


_SYMBOLS = {
    "eq": "is",
    "ne": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "gte": ">=",
    "gt": ">",
    "lte": "<=",
    "lt": "<",
    "contains": "includes",
    "contains_any": "includes any of",
}


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class Trace:
    """The result of one condition node, with its children's results."""

    kind: Literal["all", "any", "not", "match"]
    held: bool
    children: tuple[Trace, ...] = ()
    match: MatchResult | None = field(default=None)

    def because(self, negated: bool = False) -> list[str]:
        """The tests that made this node come out as it did, as sentences."""
        if self.match is not None:
            return [self.match.describe(negated)]
        if self.kind == "not":
            return self.children[0].because(not negated)
        # The node's outcome rests on the children that agree with it.
        return [line for c in self.children if c.held == self.held for line in c.because(negated)]

    def matches(self) -> list[MatchResult]:
        """Every test under this node, in order."""
        if self.match is not None:
            return [self.match]
        return [m for c in self.children for m in c.matches()]


def trace(cond: Condition, answers: dict[str, Any]) -> Trace:
    """Evaluate the condition and keep every test's result."""
    if isinstance(cond, Match):
        actual = answers.get(cond.question)
        ok = match_holds(cond.op, cond.value, actual)
        return Trace("match", ok, match=MatchResult(cond.question, cond.op, cond.value, actual, ok))
    if isinstance(cond, Not):
        child = trace(cond.not_, answers)
        return Trace("not", not child.held, (child,))
    kids = tuple(trace(c, answers) for c in (cond.all if isinstance(cond, All) else cond.any))
    if isinstance(cond, All):
        return Trace("all", all(k.held for k in kids), kids)
    return Trace("any", any(k.held for k in kids), kids)


def iter_matches(cond: Condition, path: tuple[str | int, ...] = ()):
    """Yield (path, test) for every test in a tree; paths match the YAML layout."""
    if isinstance(cond, Match):
        yield path, cond
    elif isinstance(cond, Not):
        yield from iter_matches(cond.not_, (*path, "not"))
    else:
        key = "all" if isinstance(cond, All) else "any"
        for i, child in enumerate(getattr(cond, key)):
            yield from iter_matches(child, (*path, key, i))
