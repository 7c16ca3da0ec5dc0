import pytest
from conftest import RULES

from advisor.costs.analysis import cost_report
from advisor.costs.figures import cumulative_figure, line_items_figure, tornado_figure
from advisor.costs.inputs import CostInputs
from advisor.costs.prices import load_prices


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
    assert list(low.y)[-1] == report["sensitivity"]["rag"][0]["input"]
