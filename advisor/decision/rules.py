"""The decision rules as data: rules, warnings, next steps and pinned examples."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from advisor.conditions import Condition
from advisor.options import OPTIONS, Option

_ID = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where a rule comes from: a file in the rules folder's `seeds/` and a quote from it."""

    # A file name in seeds/, nothing else: a path could make check-rules confirm whether a
    # quote stands in any file the user can read
    seed: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,120}$")
    quote: str = Field(min_length=8)


class Warning(_Strict):
    """An anti-pattern the answers reveal, with its fix."""

    id: str = Field(pattern=_ID)
    title: str
    message: str
    fix: str


class Rule(_Strict):
    """When `when` holds, add `evidence` to options and raise `warning`, if any."""

    id: str = Field(pattern=_ID)
    title: str
    when: Condition
    evidence: dict[Option, float] = {}
    warning: Warning | None = None
    rationale: str
    source: Source
    see_also: list[Source] = []  # other seeds that make the same point

    @model_validator(mode="after")
    def _does_something(self) -> Rule:
        if not self.evidence and self.warning is None:
            raise ValueError("a rule needs evidence, a warning, or both")
        return self


class Constraint(_Strict):
    """When `when` holds, the options in `rules_out` cannot be the verdict, whatever
    they score: the answers make them infeasible (no weights to train, say)."""

    id: str = Field(pattern=_ID)
    title: str
    when: Condition
    rules_out: list[Option] = Field(min_length=1)
    rationale: str
    source: Source

    @field_validator("rules_out")
    @classmethod
    def _prompting_stays(cls, v: list[str]) -> list[str]:
        # Improving the prompt needs nothing the user can lack, so a verdict always exists.
        if "prompt_engineering" in v:
            raise ValueError("prompt_engineering is always feasible and cannot be ruled out")
        return v


class Expect(_Strict):
    """What an example must produce; only the fields given are checked."""

    recommendation: Option
    warnings: list[str] = []
    no_warnings: bool = False  # True: the example must raise no warning at all
    fired: list[str] = []
    not_fired: list[str] = []
    ruled_out: list[Option] | None = None  # exactly these, when given
    tie: list[Option] | None = None


class Example(_Strict):
    """An answer set (only what its situation states) and the verdict it must give."""

    name: str
    source: str = ""
    answers: dict[str, Any] = {}
    evidence: dict[str, float] = {}  # measured facts, as a comparison run would give them
    expect: Expect


class NextStep(_Strict):
    text: str
    source: Source | None = None
    when: Condition | None = None  # shown only when this holds (never contradict an answer)


class DecisionBook(_Strict):
    """Everything in decision.yaml."""

    version: int = 1
    prior: dict[Option, float] = Field(
        description="evidence every option starts with; decides when no rule fires"
    )
    tie_order: list[Option]
    near_tie_margin: float = Field(0.05, ge=0, le=1)
    next_steps: dict[Option, list[NextStep]]
    rules: list[Rule] = Field(min_length=1)
    constraints: list[Constraint] = []
    examples: list[Example] = []

    @field_validator("tie_order")
    @classmethod
    def _all_options_once(cls, v: list[str]) -> list[str]:
        if sorted(v) != sorted(OPTIONS):
            raise ValueError(f"must list each of {', '.join(OPTIONS)} once")
        return v

    @field_validator("next_steps")
    @classmethod
    def _steps_for_every_option(cls, v: dict[str, Any]) -> dict[str, Any]:
        missing = [o for o in OPTIONS if o not in v]
        if missing:
            raise ValueError(f"missing next steps for {', '.join(missing)}")
        return v
