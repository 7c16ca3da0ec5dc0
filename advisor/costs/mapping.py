"""How answers become cost inputs: data in the rules folder (cost_inputs.yaml), not code.

A user's own rules folder may rename or add questions; keeping the mapping beside the
questions lets `check-rules` catch a mapping that names a question that no longer exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from advisor.conditions import Condition, holds
from advisor.yamlio import LineMap, load_model

COST_INPUTS_FILE = "cost_inputs.yaml"


class Case(BaseModel):
    """One way to set an input: a fixed value or a copied answer, when `when` holds."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    when: Condition | None = None
    value: float | bool | str | None = None
    from_: str | None = Field(None, alias="from")

    @model_validator(mode="after")
    def _one_source(self) -> Case:
        if (self.value is None) == (self.from_ is None):
            raise ValueError("give exactly one of `value` and `from`")
        return self

    def applies(self, values: dict[str, Any]) -> bool:
        if self.when is not None and not holds(self.when, values):
            return False
        return self.from_ is None or values.get(self.from_) is not None

    def result(self, values: dict[str, Any]) -> Any:
        return values[self.from_] if self.from_ is not None else self.value


class CostMapping(BaseModel):
    """Cost input name -> the cases that set it, first applicable wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    inputs: dict[str, list[Case]] = {}

    def apply(self, values: dict[str, Any]) -> dict[str, Any]:
        """The cost inputs these resolved answers set (the rest keep their defaults)."""
        out: dict[str, Any] = {}
        for name, cases in self.inputs.items():
            for case in cases:
                if case.applies(values):
                    out[name] = case.result(values)
                    break
        return out


def load_mapping(folder: Path) -> tuple[CostMapping, LineMap] | None:
    """The folder's cost_inputs.yaml; None when it has none (answers then set no input)."""
    path = folder / COST_INPUTS_FILE
    if not path.exists():
        return None
    return load_model(path, CostMapping)
