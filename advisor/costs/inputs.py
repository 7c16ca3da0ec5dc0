"""What the cost model needs to know, with sensible defaults; answers set some (mapping.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.costs.mapping import CostMapping
from advisor.costs.prices import split_assignment
from advisor.errors import InputError, Problem

MAX_RETRAINS_PER_MONTH = 30.0  # a training run takes hours: at most one a day


class CostInputs(BaseModel):
    """Inputs of the cost model. Every field can be overridden with --input NAME=VALUE.

    Each has an upper bound far past any real team's (a billion documents, a trillion
    queries a month): bounded inputs keep every cost finite, where 1e308 documents made
    the arithmetic overflow into inf and NaN.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    documents: float = Field(500, ge=0, le=1e9, description="documents in the corpus")
    tokens_per_document: float = Field(2000, ge=1, le=1e8)
    chunk_tokens: float = Field(512, ge=256, le=1024, description="seed 004: 256-1024")
    chunk_overlap: float = Field(0.1, ge=0, lt=1)
    top_k: int = Field(5, ge=1, le=50)
    prompt_tokens: float = Field(300, ge=0, le=1e7, description="system prompt + question")
    answer_tokens: float = Field(300, ge=0, le=1e6)
    few_shot_tokens: float = Field(
        1000, ge=0, le=1e7, description="what better prompts add per call"
    )
    monthly_queries: float = Field(10000, ge=0, le=1e12)
    updates_per_month: float = Field(1.0, ge=0, le=1e5)
    changed_fraction: float = Field(0.05, ge=0, le=1, description="share of docs per update")
    training_examples: float = Field(2000, ge=1, le=1e9)
    epochs: float = Field(3, gt=0, le=1000)
    tokens_per_example: float = Field(500, ge=1, le=1e6)
    method: Literal["full", "lora", "qlora"] = "lora"
    base_serving: Literal["large_api", "small_api", "self_hosted"] = "large_api"
    tuned_serving: Literal["small_api_finetuned", "self_hosted"] = "self_hosted"
    knowledge_in_weights: bool = Field(
        True, description="fine-tuning alone must carry the knowledge, so it retrains on updates"
    )
    retrains_per_month: float | None = Field(None, ge=0, le=1000, description="default: derived")
    context_stuffing: bool = Field(False, description="prompts carry the whole corpus")
    horizon_months: int = Field(24, ge=1, le=240)
    embedding_dim: int = Field(1536, ge=1, le=65536)

    @property
    def fine_tune_retrains(self) -> float:
        """Retraining runs a month for fine-tuning alone."""
        if self.retrains_per_month is not None:
            return self.retrains_per_month
        if not self.knowledge_in_weights:
            return 0.0
        return min(self.updates_per_month, MAX_RETRAINS_PER_MONTH)


NUMERIC_INPUTS = [
    name
    for name, f in CostInputs.model_fields.items()
    if f.annotation in (float, int) and name not in ("horizon_months", "embedding_dim")
]


def inputs_from_answers(
    mapping: CostMapping | None, values: dict[str, Any], **overrides: Any
) -> CostInputs:
    """Cost inputs from resolved answers through the rules folder's mapping; overrides win."""
    data = mapping.apply(values) if mapping is not None else {}
    data.update(overrides)
    try:
        return CostInputs.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                Problem(err["msg"], "--input", field=".".join(str(p) for p in err["loc"]))
                for err in exc.errors(include_url=False)
            ]
        ) from None


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """`NAME=VALUE` pairs from the command line, for inputs_from_answers."""
    out: dict[str, Any] = {}
    for item in items:
        name, raw = split_assignment(item, "--input")
        if name not in CostInputs.model_fields:
            known = ", ".join(CostInputs.model_fields)
            raise InputError(Problem(f"unknown cost input; known: {known}", "--input", field=name))
        out[name] = raw
    return out
