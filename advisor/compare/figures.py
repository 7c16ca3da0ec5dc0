"""The comparison as a grid of rows and as plotly charts (plotly imported lazily)."""

from __future__ import annotations

from typing import Any

from advisor.compare.arms import REGISTRY
from advisor.compare.run import ComparisonRun
from advisor.compare.summary import RELATIONS

ARM_COLOURS = {"base": "#7f7f7f", "rag": "#1f77b4", "lora": "#ff7f0e", "lora_rag": "#2ca02c"}
MARK = {1.0: "✓", 0.0: "✗", None: "·"}


def label(arm: str) -> str:
    return REGISTRY[arm].label if arm in REGISTRY else arm


def grid_rows(run: ComparisonRun, only: str = "all") -> list[dict[str, Any]]:
    """A row per question, each arm's answer with its pass mark; `only` filters rows:
    'all', 'disagree' (the arms' pass/fail differ) or 'fail' (every arm failed)."""
    out = []
    for row in run.rows:
        cells = {a: run.cell(row.id, a) for a in run.arms}
        marks = [c.correct for c in cells.values() if c is not None and c.correct is not None]
        full = len(marks) == len(run.arms)
        if only == "disagree" and not (full and min(marks) != max(marks)):
            continue
        if only == "fail" and not (full and max(marks) == 0):
            continue
        item: dict[str, Any] = {
            "id": row.id,
            "question": row.question,
            "reference": row.reference or "(none)",
            "relation": row.relation or "",
            "tag": row.tag or "",
        }
        for arm, cell in cells.items():
            item[arm] = "" if cell is None else f"{MARK[cell.correct]} {cell.answer}"
        out.append(item)
    return out


def correctness_figure(run: ComparisonRun) -> Any:
    """Correct share per arm with its 95% interval, overall and by relation."""
    import plotly.graph_objects as go

    fig = go.Figure()
    groups = [("all questions", None), *[(r, r) for r in RELATIONS]]
    for arm in run.arms:
        xs, ys, lo, hi = [], [], [], []
        for name, rel in groups:
            stat = (
                run.aggregates["arms"].get(arm, {}).get("correct")
                if rel is None
                else run.aggregates["correct_by_relation"].get(arm, {}).get(rel)
            )
            if not stat:
                continue
            xs.append(f"{name} (n={stat['n']})" if rel is None else name)
            ys.append(stat["mean"])
            lo.append(stat["mean"] - stat["low"])
            hi.append(stat["high"] - stat["mean"])
        fig.add_bar(
            name=label(arm),
            x=xs,
            y=ys,
            marker_color=ARM_COLOURS.get(arm),
            error_y={"type": "data", "array": hi, "arrayminus": lo},
        )
    fig.update_layout(
        barmode="group",
        yaxis={"title": "correct (share)", "range": [0, 1], "tickformat": ".0%"},
        xaxis={"title": "questions"},
        legend={"orientation": "h", "y": -0.25},
        height=380,
        margin={"t": 30, "b": 10},
    )
    return fig


def latency_figure(run: ComparisonRun) -> Any:
    """Correctness against seconds per answer: is the better arm also the slower one?"""
    import plotly.graph_objects as go

    fig = go.Figure()
    for arm in run.arms:
        s = run.aggregates["arms"].get(arm)
        if not s or not s.get("correct"):
            continue
        fig.add_scatter(
            x=[s["seconds"]],
            y=[s["correct"]["mean"]],
            mode="markers+text",
            text=[label(arm)],
            textposition="top center",
            name=label(arm),
            marker={"size": 16, "color": ARM_COLOURS.get(arm)},
        )
    fig.update_layout(
        xaxis={"title": "seconds per answer", "rangemode": "tozero"},
        yaxis={"title": "correct (share)", "range": [0, 1.05], "tickformat": ".0%"},
        showlegend=False,
        height=320,
        margin={"t": 30, "b": 10},
    )
    return fig


LOSS_COLOURS = {"training loss": "#1f77b4", "validation loss": "#ff7f0e"}


def loss_figure(train: list[tuple[int, float]], val: list[tuple[int, float]]) -> Any:
    """The adapter's training loss per step and validation loss per epoch: one chart for
    the Fine-tune page and the report. Validation is measured before the first step
    (step 0) and after each epoch, so it is drawn as marked points joined by a line, in a
    colour of its own (the report drew both curves in black)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, points, mode in (
        ("training loss", train, "lines"),
        ("validation loss", val, "lines+markers"),
    ):
        if not points:
            continue
        fig.add_trace(
            go.Scatter(
                x=[s for s, _ in points],
                y=[v for _, v in points],
                mode=mode,
                name=name,
                line={"color": LOSS_COLOURS[name]},
                marker={"color": LOSS_COLOURS[name], "size": 8},
            )
        )
    fig.update_layout(
        height=300,
        margin={"t": 40, "b": 40},
        title="LoRA loss by step",
        xaxis_title="Training step",
        yaxis_title="Loss (cross-entropy)",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )
    return fig
