"""Plotly figures of a cost report (the dict from `cost_report`); pure functions.

plotly is imported inside each builder, so the CLI's other commands never load it. The
wording the figures share with the Costs page lives here too: readable names and units
of prices and cost inputs, one colour per line item, break-even sentences.
"""

from __future__ import annotations

import math
import zlib
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

# Line items get colours of their own, from a palette longer than the number of items,
# so no two items share a colour in the stacked chart. The known items (in the order the
# cost model lists them) take fixed slots; an item added later takes a slot from its
# name's hash, so a name keeps its colour in every chart and every session.
ITEM_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#f0027f", "#6b6ecf", "#e7ba52",
    "#843c39", "#31a354", "#3182bd", "#fd8d3c", "#756bb1", "#636363", "#9c9ede", "#d6616b",
)  # fmt: skip
KNOWN_ITEMS = (
    "Embed the corpus", "Build the RAG pipeline", "Golden set and evaluation",
    "Answer queries with retrieved context", "Embed queries", "Re-embed changed documents",
    "Vector storage", "Prepare training pairs", "Training run", "Training and serving setup",
    "Answer queries with the fine-tuned model", "Retraining runs",
    "Re-evaluate and refresh pairs per retrain", "Answer queries: fine-tuned model + context",
    "Prompt engineering", "Answer queries with a longer prompt",
)  # fmt: skip


def item_colour(name: str) -> str:
    """The colour of a line item, the same for a name in every chart."""
    if name in KNOWN_ITEMS:
        return ITEM_PALETTE[KNOWN_ITEMS.index(name)]
    spare = ITEM_PALETTE[len(KNOWN_ITEMS) :]
    return spare[zlib.crc32(name.encode()) % len(spare)]


# Readable names of the price sheet's figures (paths as in `figure_paths`) and of the
# cost inputs, with their units. The sheet's layout is fixed (pydantic, extra=forbid).
_MODELS = {
    "large_api": "Large API model",
    "small_api": "Small API model",
    "small_api_finetuned": "Fine-tuned small API model",
}
_METHODS = {"full": "Full fine-tuning", "lora": "LoRA training", "qlora": "QLoRA training"}
_ENGINEERING = {
    "hourly_rate": "Engineer's hourly rate",
    "rag_build_hours": "Engineering: build the RAG pipeline",
    "fine_tune_setup_hours": "Engineering: training and serving setup",
    "prompt_engineering_hours": "Engineering: prompt engineering",
    "data_prep_hours_per_1000_examples": "Engineering: prepare training pairs",
    "evaluation_hours": "Engineering: golden set and evaluation",
}
_UNITS = {
    "input_per_1m_tokens": "{c} per 1M input tokens",
    "output_per_1m_tokens": "{c} per 1M output tokens",
    "embedding_per_1m_tokens": "{c} per 1M tokens",
    "api_training_per_1m_tokens": "{c} per 1M training tokens",
    "tokens_per_second": "tokens/s",
    "tokens_per_second_per_gpu": "tokens/s per GPU",
    "utilisation": "share of capacity, 0 to 1",
    "vector_db_per_gb_month": "{c} per GB-month",
    "gpus": "GPUs per run",
    "hourly_rate": "{c} per hour",
    "data_prep_hours_per_1000_examples": "hours per 1,000 examples",
}
INPUT_LABELS = {
    "documents": ("Documents in the corpus", "documents"),
    "tokens_per_document": ("Tokens per document", "tokens"),
    "chunk_tokens": ("Chunk size", "tokens"),
    "chunk_overlap": ("Chunk overlap", "share, 0 to 1"),
    "top_k": ("Chunks retrieved per query", "chunks"),
    "prompt_tokens": ("Prompt tokens per query", "tokens"),
    "answer_tokens": ("Answer tokens per query", "tokens"),
    "few_shot_tokens": ("Few-shot examples per prompt", "tokens"),
    "monthly_queries": ("Queries per month", "queries"),
    "updates_per_month": ("Knowledge updates per month", "updates"),
    "changed_fraction": ("Documents changed per update", "share, 0 to 1"),
    "training_examples": ("Training examples", "examples"),
    "epochs": ("Training epochs", "epochs"),
    "tokens_per_example": ("Tokens per training example", "tokens"),
    "retrains_per_month": ("Retraining runs per month", "runs"),
    "horizon_months": ("Horizon", "months"),
}


def price_name(path: str) -> str:
    """`llm.large_api.input_per_1m_tokens` -> `Large API model: input`."""
    parts = path.split(".")
    head, last = parts[0], parts[-1]
    if head == "llm" and len(parts) == 3:
        side = "input" if last.startswith("input") else "output"
        return f"{_MODELS.get(parts[1], parts[1])}: {side}"
    if head == "gpu_per_hour":
        return f"{last.upper()} GPU rental"
    if head == "training" and len(parts) == 3:
        what = "GPUs" if last == "gpus" else "throughput"
        return f"{_METHODS.get(parts[1], parts[1])}: {what}"
    if head == "self_hosted":
        return f"Self-hosted model: {'throughput' if last.startswith('tokens') else 'utilisation'}"
    if head == "engineering":
        return _ENGINEERING.get(last, last.replace("_", " "))
    return {
        "embedding_per_1m_tokens": "Embedding model",
        "api_training_per_1m_tokens": "API fine-tuning (training tokens)",
        "vector_db_per_gb_month": "Vector database storage",
    }.get(path, path.replace("_", " ").replace(".", ": "))


def price_unit(path: str, currency: str = "USD") -> str:
    """The unit of a price sheet figure, e.g. `USD per 1M input tokens`."""
    parts = path.split(".")
    if parts[0] == "gpu_per_hour":
        return f"{currency} per GPU-hour"
    last = parts[-1]
    unit = _UNITS.get(last) or ("hours" if last.endswith("_hours") else "")
    return unit.format(c=currency)


def knob_label(knob: str, currency: str = "USD") -> str:
    """A sensitivity knob (a cost input or a price path), named with its unit."""
    if knob in INPUT_LABELS:
        name, unit = INPUT_LABELS[knob]
    else:
        name, unit = price_name(knob), price_unit(knob, currency)
    return f"{name} ({unit})" if unit else name


def break_even_sentence(b: dict[str, Any], report: dict[str, Any]) -> str:
    """One break-even row as a sentence that names which approach is cheaper, and when."""
    inv, oth = OPTIONS[b["investment"]], OPTIONS[b["other"]]
    month, horizon = b["month"], report["horizon_months"]
    a, o = report["approaches"][b["investment"]], report["approaches"][b["other"]]
    if month == 0:
        if a["cumulative"] == o["cumulative"]:
            return f"{inv} and {oth} cost the same every month"
        return f"{inv} is cheaper than {oth} from the start"
    if month is not None:
        return f"{oth} is cheaper at first; {inv} is cheaper in total from month {month}"
    saving = o["monthly"] - a["monthly"]
    if saving > 0:  # it catches up, but after the horizon
        later = -(-(a["one_time"] - o["one_time"]) // saving)
        return (
            f"{oth} is cheaper throughout the {horizon} months "
            f"({inv} would catch up in month {later:,.0f})"
        )
    if a["one_time"] == o["one_time"]:
        return f"{oth} is cheaper from the start"
    return f"{oth} is cheaper throughout: {inv} costs more up front and at least as much monthly"


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
                marker_color=item_colour(name),
            )
        )
    # Every item's legend entry visible: a legend beside the chart scrolled two of 16
    # items (the largest among them) out of sight; below it, in rows, the chart grows
    # by a row of entries for every two items instead.
    rows = math.ceil(len(names) / 2)
    fig.update_layout(
        barmode="stack",
        title=f"What the {months}-month total is made of",
        xaxis_title="Approach",
        yaxis_title=f"Total over {months} months ({report['currency']})",
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0, "entrywidth": 0.5,
                "entrywidthmode": "fraction", "traceorder": "normal"},
        height=420 + 22 * rows,
        margin={"b": 40 + 22 * rows},
    )  # fmt: skip
    return fig


_TIP = "%{{y}}<br>total changes by %{{x:+,.0f}} at {}<br>%{{customdata}}<extra></extra>"


def tornado_figure(
    report: dict[str, Any], approach: str, sources: dict[str, str] | None = None
) -> go.Figure:
    """The inputs that move one approach's total most when set 50% lower or higher.

    Bars are named with units; `sources` (knob -> where its value comes from, e.g. the
    price sheet's source of a figure) shows on hover.
    """
    import plotly.graph_objects as go

    base = report["approaches"][approach]["cumulative"][-1]
    swings = list(reversed(report["sensitivity"][approach]))  # biggest at the top
    labels = [knob_label(s["input"], report["currency"]) for s in swings]
    notes = sources or {}
    hover = [notes.get(s["input"], "") for s in swings]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[s["low"] - base for s in swings],
            base=base,
            orientation="h",
            name="-50%",
            marker_color="#2ca02c",
            customdata=hover,
            hovertemplate=_TIP.format("-50%"),
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
            customdata=hover,
            hovertemplate=_TIP.format("+50%"),
        )
    )
    fig.update_layout(
        barmode="overlay",
        title=f"{OPTIONS[approach]}: what moves the total",
        xaxis_title=f"Total over {report['horizon_months']} months ({report['currency']})",
    )
    return fig
