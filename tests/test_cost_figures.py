import pytest
from conftest import RULES

from advisor.costs.analysis import cost_report
from advisor.costs.figures import (
    break_even_sentence,
    cumulative_figure,
    item_colour,
    knob_label,
    line_items_figure,
    price_name,
    price_unit,
    tornado_figure,
)
from advisor.costs.inputs import CostInputs
from advisor.costs.prices import figure_paths, load_prices
from advisor.options import OPTIONS


@pytest.fixture(scope="module")
def report():
    return cost_report(
        CostInputs(monthly_queries=200_000, horizon_months=36), load_prices(RULES / "prices.yaml")
    )


def test_cumulative_lines_and_break_even_markers(report):
    fig = cumulative_figure(report)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [t.name for t in lines] == [
        "RAG",
        "Fine-tuning",
        "Hybrid (fine-tuning + RAG)",
        "Prompt engineering first",
    ]
    assert list(lines[0].y) == report["approaches"]["rag"]["cumulative"]
    markers = next(t for t in fig.data if t.name == "Break-even")
    expected = [b for b in report["break_even"] if b["month"]]
    assert len(markers.x) == len(expected)
    for x, y, b in zip(markers.x, markers.y, expected, strict=False):
        assert y == report["approaches"][b["investment"]]["cumulative"][x]


def test_stacked_line_items_add_up_to_the_totals(report):
    fig = line_items_figure(report)
    assert fig.layout.barmode == "stack"
    for i, a in enumerate(report["approaches"]):
        stacked = sum(t.y[i] for t in fig.data)
        # line items are rounded to cents in the report; 36 months of rounding stays under $2
        assert stacked == pytest.approx(report["approaches"][a]["cumulative"][-1], abs=2.0)


def test_tornado_is_ranked_and_centred_on_the_total(report):
    fig = tornado_figure(report, "rag")
    low, high = fig.data
    base = report["approaches"]["rag"]["cumulative"][-1]
    assert low.base == base
    widths = [abs(h - lo) for lo, h in zip(low.x, high.x, strict=False)]
    assert widths == sorted(widths)  # reversed order: the biggest swing is drawn on top
    assert list(low.y)[-1] == knob_label(report["sensitivity"]["rag"][0]["input"])


def _every_line_item() -> dict[str, list[str]]:
    """Line items of every approach, over inputs that bring out every kind of item
    (retraining only appears when fine-tuning must follow knowledge updates)."""
    prices = load_prices(RULES / "prices.yaml")
    names: dict[str, list[str]] = {}
    for inp in (
        CostInputs(),
        CostInputs(updates_per_month=4, tuned_serving="small_api_finetuned"),
        CostInputs(context_stuffing=True, base_serving="self_hosted", method="qlora"),
    ):
        for a, c in cost_report(inp, prices)["approaches"].items():
            for item in c["line_items"]:
                names.setdefault(a, [])
                if item["name"] not in names[a]:
                    names[a].append(item["name"])
    return names


def test_every_line_item_has_its_own_colour_in_every_chart(report):
    names = _every_line_item()
    assert "Retraining runs" in names["fine_tune"]
    every = {n for items in names.values() for n in items}
    colours = {n: item_colour(n) for n in every}
    assert len(set(colours.values())) == len(every), colours  # no two items share one
    fig = line_items_figure(report)
    for trace in fig.data:  # the chart uses the same colour for the same name
        assert trace.marker.color == item_colour(trace.name)
    assert item_colour("An item added later") == item_colour("An item added later")


def test_tornado_bars_are_named_with_units_and_show_sources(report):
    sources = {"engineering.hourly_rate": "Assumption: loaded cost"}
    fig = tornado_figure(report, "rag", sources)
    labels = list(fig.data[0].y)
    assert "Engineer's hourly rate (USD per hour)" in labels
    assert not any("." in label.split(" (")[0] or "_" in label for label in labels), labels
    rate = labels.index("Engineer's hourly rate (USD per hour)")
    assert fig.data[0].customdata[rate] == "Assumption: loaded cost"


def test_price_names_and_units_cover_the_whole_sheet():
    sheet = load_prices(RULES / "prices.yaml")
    for path in figure_paths(sheet):
        assert "_" not in price_name(path) and "." not in price_name(path), path
        assert price_unit(path, "USD"), path
    assert price_name("llm.large_api.input_per_1m_tokens") == "Large API model: input"
    assert price_unit("gpu_per_hour.a100", "EUR") == "EUR per GPU-hour"
    assert knob_label("monthly_queries") == "Queries per month (queries)"


def test_break_even_sentences_say_which_is_cheaper(report):
    for b in report["break_even"]:
        sentence = break_even_sentence(b, report)
        cheaper = sentence.split(" is cheaper")[0].split("; ")[-1]
        assert cheaper in {OPTIONS[b["investment"]], OPTIONS[b["other"]]}, sentence
    crossing = next(b for b in report["break_even"] if b["month"])
    assert break_even_sentence(crossing, report).endswith(
        f"{OPTIONS[crossing['investment']]} is cheaper in total from month {crossing['month']}"
    )
