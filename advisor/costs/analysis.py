"""Break-even months, sensitivity, and the whole cost report as plain data."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

from advisor.costs.inputs import NUMERIC_INPUTS, CostInputs
from advisor.costs.model import APPROACHES, ApproachCost, estimate
from advisor.costs.prices import MAX_FIGURE, PriceSheet, figure_paths, with_values


@dataclass(frozen=True)
class BreakEven:
    """When `investment` (dearer up front) becomes cheaper in total than `other`."""

    investment: str
    other: str
    month: int | None  # None: never within the horizon
    text: str


def break_even(costs: dict[str, ApproachCost], months: int) -> list[BreakEven]:
    """Break-even between every pair of approaches over `months`."""
    out = []
    for a, b in combinations(APPROACHES, 2):
        ca, cb = costs[a], costs[b]
        inv, oth = (ca, cb) if ca.one_time >= cb.one_time else (cb, ca)
        saving = oth.monthly - inv.monthly
        gap = inv.one_time - oth.one_time
        if gap == 0 and saving == 0:
            month, text = 0, "the same cost every month"
        elif gap == 0:
            month = 0 if saving > 0 else None
            text = "cheaper from the start" if saving > 0 else "never cheaper"
        elif saving <= 0:
            month, text = None, "never: it costs more up front and at least as much each month"
        else:
            month = math.ceil(gap / saving)
            if month > months:
                month, text = (
                    None,
                    f"never within {months} months (month {math.ceil(gap / saving)})",
                )
            else:
                text = f"cheaper in total from month {month}"
        out.append(BreakEven(inv.approach, oth.approach, month, text))
    return out


def totals(inp: CostInputs, prices: PriceSheet) -> dict[str, float]:
    """Total cost of each approach over the horizon."""
    return {a: c.cumulative(inp.horizon_months)[-1] for a, c in estimate(inp, prices).items()}


@dataclass(frozen=True)
class Swing:
    knob: str
    low: float  # total with the knob at -50%
    high: float  # total with the knob at +50%

    @property
    def size(self) -> float:
        return abs(self.high - self.low)


def sensitivity(inp: CostInputs, prices: PriceSheet, top: int = 8) -> dict[str, list[Swing]]:
    """For each approach, the inputs and prices that move its total most at ±50%, ranked."""
    swings: dict[str, list[Swing]] = {a: [] for a in APPROACHES}
    Case = tuple[CostInputs, PriceSheet]
    knobs: list[tuple[str, Case, Case]] = []
    for name in NUMERIC_INPUTS:
        if getattr(inp, name):
            knobs.append(
                (name, (_vary_input(inp, name, 0.5), prices), (_vary_input(inp, name, 1.5), prices))
            )
    for path, value in figure_paths(prices).items():
        if value:
            knobs.append(
                (
                    path,
                    (inp, with_values(prices, {path: value * 0.5})),
                    (inp, with_values(prices, {path: min(value * 1.5, MAX_FIGURE)})),
                )
            )
    for name, low, high in knobs:
        t_low, t_high = totals(*low), totals(*high)
        for a in APPROACHES:
            if t_low[a] != t_high[a]:
                swings[a].append(Swing(name, t_low[a], t_high[a]))
    return {a: sorted(s, key=lambda w: -w.size)[:top] for a, s in swings.items()}


def _vary_input(inp: CostInputs, name: str, factor: float) -> CostInputs:
    value = getattr(inp, name) * factor
    field = CostInputs.model_fields[name]
    if field.annotation is int:
        value = max(1, round(value))
    for meta in field.metadata:  # keep within the field's own bounds (e.g. chunk 256-1024)
        if getattr(meta, "ge", None) is not None:
            value = max(value, meta.ge)
        if getattr(meta, "le", None) is not None:
            value = min(value, meta.le)
        if getattr(meta, "lt", None) is not None:
            value = min(value, meta.lt * 0.999)
    return inp.model_copy(update={name: value})


def cost_report(inp: CostInputs, prices: PriceSheet) -> dict[str, Any]:
    """Everything `advisor costs --json` prints."""
    costs = estimate(inp, prices)
    months = inp.horizon_months
    return {
        "as_of": prices.as_of.isoformat(),
        "currency": prices.currency,
        "horizon_months": months,
        "inputs": inp.model_dump(),
        "approaches": {
            a: {
                "one_time": round(c.one_time, 2),
                "monthly": round(c.monthly, 2),
                "line_items": [asdict(i) | {"amount": round(i.amount, 2)} for i in c.line_items],
                "cumulative": [round(x, 2) for x in c.cumulative(months)],
            }
            for a, c in costs.items()
        },
        "break_even": [asdict(b) for b in break_even(costs, months)],
        "sensitivity": {
            a: [{"input": s.knob, "low": round(s.low, 2), "high": round(s.high, 2)} for s in ss]
            for a, ss in sensitivity(inp, prices).items()
        },
    }
