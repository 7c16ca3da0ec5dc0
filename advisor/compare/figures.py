"""The comparison as a grid of rows and as plotly charts (plotly imported lazily)."""

from __future__ import annotations

from typing import Any

from advisor.compare.arms import REGISTRY
from advisor.compare.run import ComparisonRun
from advisor.compare.summary import RELATIONS

ARM_COLOURS = {"base": "#7f7f7f", "rag": "#1f77b4", "lora": "#ff7f0e", "lora_rag": "#2ca02c"}
ARM_SYMBOLS = {"base": "circle", "rag": "square", "lora": "diamond", "lora_rag": "triangle-up"}
MARK = {1.0: "✓", 0.0: "✗", None: "·"}


def label(arm: str) -> str:
    return REGISTRY[arm].label if arm in REGISTRY else arm


def short(arm: str) -> str:
    """The arm's short name, for metric labels, chips and grid columns (whole, never cut)."""
    return REGISTRY[arm].short if arm in REGISTRY else arm


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


def arm_stats(run: ComparisonRun) -> dict[str, dict[str, Any]]:
    """Each arm's correct share and its shares by relation, as the report keeps them."""
    agg = run.aggregates
    return {
        arm: {
            "correct": agg.get("arms", {}).get(arm, {}).get("correct"),
            "by_relation": agg.get("correct_by_relation", {}).get(arm, {}),
        }
        for arm in run.arms
    }


def correctness_figure(arms: dict[str, dict[str, Any]]) -> Any:
    """Correct share per arm with its 95% interval, overall and by relation: one chart for
    the Compare page (`arm_stats(run)`) and the report (its comparison's `arms`)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    groups = [("all questions", None), *[(r, r) for r in RELATIONS]]
    for arm, stats in arms.items():
        xs, ys, lo, hi = [], [], [], []
        for name, rel in groups:
            stat = (
                stats.get("correct") if rel is None else (stats.get("by_relation") or {}).get(rel)
            )
            if not stat:
                continue
            xs.append(f"{name} (n={stat['n']})" if rel is None else name)
            ys.append(stat["mean"])
            lo.append(stat["mean"] - stat["low"])
            hi.append(stat["high"] - stat["mean"])
        if not xs:
            continue
        fig.add_bar(
            name=label(arm),
            x=xs,
            y=ys,
            marker_color=ARM_COLOURS.get(arm),
            error_y={"type": "data", "array": hi, "arrayminus": lo},
            hovertemplate="%{y:.0%}<extra>" + label(arm) + "</extra>",
        )
    fig.update_layout(
        title="Correct answers per arm (95% interval)",
        barmode="group",
        yaxis={"title": "correct (share)", "range": [0, 1], "tickformat": ".0%"},
        xaxis={"title": "questions"},
        legend={"orientation": "h", "y": -0.3, "yanchor": "top"},
        height=400,
        margin={"t": 40, "b": 10},
    )
    return fig


def latency_figure(run: ComparisonRun) -> Any:
    """Correctness against seconds per answer: is the better arm also the slower one?
    Arms are told apart by colour and marker, named in a legend below (labels on the
    points overlapped and were clipped at the edges)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    slowest = max((s.get("seconds") or 0.0 for s in run.aggregates["arms"].values()), default=0)
    for arm in run.arms:
        s = run.aggregates["arms"].get(arm)
        if not s or not s.get("correct"):
            continue
        c = s["correct"]
        fig.add_scatter(
            x=[s["seconds"]],
            y=[c["mean"]],
            mode="markers",
            name=label(arm),
            error_y={
                "type": "data",
                "array": [c["high"] - c["mean"]],
                "arrayminus": [c["mean"] - c["low"]],
            },
            marker={"size": 14, "color": ARM_COLOURS.get(arm), "symbol": ARM_SYMBOLS.get(arm)},
            hovertemplate="%{y:.0%} correct, %{x:.2f} s<extra>" + label(arm) + "</extra>",
        )
    fig.update_layout(
        title="Correct against seconds per answer",
        # room past the slowest arm: its marker is never cut at the edge
        xaxis={"title": "seconds per answer", "range": [0, max(0.1, slowest) * 1.15]},
        yaxis={"title": "correct (share)", "range": [0, 1.05], "tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.3, "yanchor": "top"},
        height=400,
        margin={"t": 40, "b": 10},
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
        height=340,
        margin={"t": 40, "b": 10},
        title="LoRA loss by step",
        xaxis_title="Training step",
        yaxis_title="Loss (cross-entropy)",
        # below the plot, as on the other charts: at the top right the app's chart toolbar
        # covered the legend
        legend={"orientation": "h", "y": -0.3, "yanchor": "top"},
    )
    return fig
