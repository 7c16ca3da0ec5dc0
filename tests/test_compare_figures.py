"""The comparison's charts: one module for the Compare page and the report, a colour and
marker per arm that no other arm shares, every arm named in a legend (no labels on the
points, which overlapped and were clipped)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from advisor.advice import load_folder
from advisor.compare.arms import REGISTRY
from advisor.compare.figures import arm_stats, correctness_figure, latency_figure
from advisor.compare.run import Cell, ComparisonRun, Row
from advisor.compare.summary import summarise
from advisor.report.model import build_report
from advisor.report.render import to_html

ARMS = ["base", "rag", "lora", "lora_rag"]


@pytest.fixture
def run() -> ComparisonRun:
    rows = [
        Row(f"q{i}", f"Question {i}?", "45 days", ["refund.md"], relation=rel)
        for i, rel in enumerate(["trained", "paraphrase", "unseen"] * 3)
    ]
    cells = [
        Cell(r.id, a, "45 days" if (i + j) % 2 else "no", "fake", 0.2 + j, 3,
             correct=1.0 if (i + j) % 2 else 0.0)
        for i, r in enumerate(rows) for j, a in enumerate(ARMS)
    ]  # fmt: skip
    out = ComparisonRun(ARMS, rows, cells, collection="ws-fig")
    out.aggregates = summarise(out)
    return out


def test_every_arm_has_a_colour_and_marker_of_its_own_and_a_legend_entry(run):
    bars = correctness_figure(arm_stats(run))
    assert [t.name for t in bars.data] == [REGISTRY[a].label for a in ARMS]
    assert len({t.marker.color for t in bars.data}) == len(ARMS)
    dots = latency_figure(run)
    assert [t.name for t in dots.data] == [REGISTRY[a].label for a in ARMS]
    assert len({t.marker.color for t in dots.data}) == len(ARMS)
    assert len({t.marker.symbol for t in dots.data}) == len(ARMS)
    assert all(t.mode == "markers" and not t.text for t in dots.data)  # no labels to overlap
    assert dots.layout.showlegend is not False and dots.layout.legend.orientation == "h"
    assert all(t.error_y.array is not None for t in dots.data)  # the interval, on the dot


def test_the_report_draws_the_pages_chart(run):
    rules = load_folder(ROOT / "rules").rules
    report = build_report(rules, {}, comparison=run)
    page = correctness_figure(arm_stats(run))
    html = to_html(report)
    assert html.count("Correct answers per arm (95% interval)") == 1
    drawn = correctness_figure(report.comparison["arms"])
    assert json.loads(drawn.to_json())["data"] == json.loads(page.to_json())["data"]
