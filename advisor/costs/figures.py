"""Plotly figures of a cost report (the dict from `cost_report`); pure functions.

plotly is imported inside each builder, so the CLI's other commands never load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from advisor.options import OPTIONS

if TYPE_CHECKING:
    import plotly.graph_objects as go

COLOURS = {
    "rag": "#1f77b4",
    "fine_tune": "#d62728",
    "hybrid": "#9467bd",
    "prompt_engineering": "#2ca02c",
}


def cumulative_figure(report: dict[str, Any]) -> go.Figure:
    """Cumulative cost per approach by month, with a marker at each break-even."""
    import plotly.graph_objects as go

    months = list(range(report["horizon_months"] + 1))
    fig = go.Figure()
    for a, c in report["approaches"].items():
        fig.add_trace(
            go.Scatter(
                x=months,
                y=c["cumulative"],
                mode="lines",
                name=OPTIONS[a],
                line={"color": COLOURS[a]},
            )
        )
    xs, ys, texts = [], [], []
    for b in report["break_even"]:
        if b["month"]:
            xs.append(b["month"])
            ys.append(report["approaches"][b["investment"]]["cumulative"][b["month"]])
            texts.append(
                f"{OPTIONS[b['investment']]} cheaper than {OPTIONS[b['other']]} "
                f"from month {b['month']}"
            )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            name="Break-even",
            marker={"symbol": "diamond", "size": 11, "color": "black"},
            text=texts,
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Cumulative cost over {report['horizon_months']} months",
        xaxis_title="Month",
        yaxis_title=f"Total spent ({report['currency']})",
        hovermode="x unified",
    )
    return fig


def line_items_figure(report: dict[str, Any]) -> go.Figure:
    """Total over the horizon per approach, stacked by line item."""
    import plotly.graph_objects as go

    months = report["horizon_months"]
    names: dict[str, dict[str, float]] = {}
    for a, c in report["approaches"].items():
        for item in c["line_items"]:
            total = item["amount"] * (months if item["kind"] == "monthly" else 1)
            names.setdefault(item["name"], {})[a] = names.get(item["name"], {}).get(a, 0) + total
    approaches = list(report["approaches"])
    fig = go.Figure()
    for name, by_approach in names.items():
        fig.add_trace(
            go.Bar(
                name=name,
                x=[OPTIONS[a] for a in approaches],
                y=[by_approach.get(a, 0.0) for a in approaches],
            )
        )
    fig.update_layout(
        barmode="stack",
        title=f"What the {months}-month total is made of",
        yaxis_title=report["currency"],
    )
    return fig


def tornado_figure(report: dict[str, Any], approach: str) -> go.Figure:
    """The inputs that move one approach's total most when set 50% lower or higher."""
    import plotly.graph_objects as go

    base = report["approaches"][approach]["cumulative"][-1]
    swings = list(reversed(report["sensitivity"][approach]))  # biggest at the top
    labels = [s["input"] for s in swings]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[s["low"] - base for s in swings],
            base=base,
            orientation="h",
            name="-50%",
            marker_color="#2ca02c",
        )
    )
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[s["high"] - base for s in swings],
            base=base,
            orientation="h",
            name="+50%",
            marker_color="#d62728",
        )
    )
    fig.update_layout(
        barmode="overlay",
        title=f"{OPTIONS[approach]}: what moves the total",
        xaxis_title=f"Total over {report['horizon_months']} months ({report['currency']})",
    )
    return fig
