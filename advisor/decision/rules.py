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

    seed: str
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


class Expect(_Strict):
    """What an example must produce; only the fields given are checked."""

    recommendation: Option
    warnings: list[str] = []
    fired: list[str] = []
    not_fired: list[str] = []


class Example(_Strict):
    """A complete answer set (defaults fill the gaps) and the verdict it must give."""

    name: str
    source: str = ""
    answers: dict[str, Any] = {}
    expect: Expect


class NextStep(_Strict):
    text: str
    source: Source | None = None


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
