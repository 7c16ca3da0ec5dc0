"""A training run measured on this machine, scaled to the user's corpus and settings.

The price sheet assumes a GPU's throughput; a LoRA run of the demo measured this
machine's. Both are shown side by side, each with a formula that names its source, so
a team sees how long a training run of their size would take here and on the sheet's GPU.
"""

from __future__ import annotations

from typing import Any

from advisor.costs.inputs import CostInputs
from advisor.costs.prices import PriceSheet


def measured_training(
    inp: CostInputs,
    prices: PriceSheet,
    run_id: str,
    tokens_per_second: float,
    partial: str = "",
) -> dict[str, Any]:
    """Hours of one training run at the measured rate and at the sheet's, and per month.

    `partial` (advisor.llm.adapters.partial_note): a run cut short is refused; what it
    measured is not a training run to project a month of retraining from.
    """
    if partial:
        raise ValueError(f"run {run_id} is {partial}: no cost is projected from it")
    if tokens_per_second <= 0:
        raise ValueError("a measured rate must be positive")
    tokens = inp.training_examples * inp.tokens_per_example * inp.epochs
    here = tokens / tokens_per_second / 3600
    method = getattr(prices.training, inp.method)
    gpus = method.gpus.value
    sheet_rate = method.tokens_per_second_per_gpu.value * gpus
    sheet = tokens / sheet_rate / 3600
    retrains = inp.fine_tune_retrains
    return {
        "run_id": run_id,
        "tokens_per_second": round(tokens_per_second, 1),
        "tokens": tokens,
        "hours_here": round(here, 2),
        "formula": (
            f"{tokens:,.0f} tokens ({inp.training_examples:,.0f} examples × "
            f"{inp.tokens_per_example:,.0f} tokens × {inp.epochs:g} epochs) ÷ "
            f"{tokens_per_second:,.1f} tokens/s measured by run {run_id} = {here:,.2f} h "
            "on this machine"
        ),
        "hours_on_sheet": round(sheet, 2),
        "sheet_formula": (
            f"{tokens:,.0f} tokens ÷ ({gpus:g} × {method.tokens_per_second_per_gpu.value:,.0f} "
            f"tokens/s, the price sheet's {inp.method} rate) = {sheet:,.2f} h"
        ),
        "retrains_per_month": round(retrains, 3),
        "hours_per_month_here": round(here * retrains, 2),
    }
