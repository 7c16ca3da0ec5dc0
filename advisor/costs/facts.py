"""Cost facts the decision rules can test, derived from the answers and the price sheet."""

from __future__ import annotations

from typing import Any

from advisor.costs.inputs import CostInputs, inputs_from_answers
from advisor.costs.mapping import CostMapping
from advisor.costs.model import estimate
from advisor.costs.prices import PriceSheet


class CostFacts:
    """Derives cost facts from resolved answers with one price sheet.

    Flip analysis asks for the facts of ~100 answer sets that mostly map to the same cost
    inputs, so estimates are remembered per (frozen, hashable) CostInputs.
    """

    _MEMO_SIZE = 1024

    def __init__(
        self,
        prices: PriceSheet,
        mapping: CostMapping | None,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        # Bound once, explicitly: the verdict's facts use exactly the prices and cost
        # inputs the cost report shows (edited prices, --set, --input, the horizon).
        self.prices, self.mapping = prices, mapping
        self.overrides = dict(overrides or {})
        self._memo: dict[CostInputs, dict[str, Any]] = {}

    def __call__(self, values: dict[str, Any]) -> dict[str, Any]:
        inp = inputs_from_answers(self.mapping, values, **self.overrides)
        facts = self._memo.get(inp)
        if facts is None:
            if len(self._memo) >= self._MEMO_SIZE:
                self._memo.clear()
            facts = self._memo[inp] = self.compute(inp)
        return dict(facts)

    def compute(self, inp: CostInputs) -> dict[str, Any]:
        """Which approach is cheapest over the horizon, and fine-tuning against RAG."""
        costs = estimate(inp, self.prices)
        totals = {a: c.cumulative(inp.horizon_months)[-1] for a, c in costs.items()}
        return {
            "cheapest_over_horizon": min(totals, key=lambda a: totals[a]),
            "fine_tune_vs_rag": "cheaper" if totals["fine_tune"] < totals["rag"] else "dearer",
        }

    def clear(self) -> None:
        self._memo.clear()
