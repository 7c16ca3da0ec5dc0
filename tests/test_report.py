"""The report: structure per format, numbers from the cost model, escaping, a real browser."""

import json
from html.parser import HTMLParser

import pytest
from browser import launch
from conftest import run_cli

from advisor.decision.loader import load_rules
from advisor.report.model import build_report
from advisor.report.render import render, to_html, to_json, to_markdown

ANSWERS = {
    "failure_mode": "both",
    "needs_external_data": True,
    "behaviour_needs": ["strict_format"],
    "model_access": "open_weights",
    "training_budget": "small",
    "labelled_examples": 900,
}
EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def report(rules):
    return build_report(rules, ANSWERS, months=12)


def test_json_structure_and_numbers_match_the_cost_model(report, rules):
    from advisor.costs.analysis import cost_report
    from advisor.costs.inputs import inputs_from_answers
    from advisor.decision.questions import resolve

    data = json.loads(to_json(report))
    assert data["schema_version"] == 1
    assert data["recommendation"]["recommendation"] == "hybrid"
    assert {"fired", "warnings", "flips", "next_steps", "answers", "scores"} <= set(
        data["recommendation"]
    )
    values = resolve(rules.questionnaire, ANSWERS, rules.derive).values
    expected = cost_report(inputs_from_answers(values, horizon_months=12), rules.prices)
    for a, c in expected["approaches"].items():
        assert data["costs"]["approaches"][a]["cumulative"] == c["cumulative"]
    stamp = data["stamp"]
    assert stamp["price_sheet_date"] == "2025-06-01" and len(stamp["rules_sha256"]) == 16
    assert stamp["models"]["embedding"].endswith("all-MiniLM-L6-v2")


def test_markdown_structure(report):
    md = to_markdown(report)
    for heading in (
        "# RAG or fine-tuning: recommendation",
        "## Why: the rules that fired",
        "## Warnings",
        "## What would change the verdict",
        "## Next steps",
        "## Costs over 12 months",
        "## The answers given",
        "## Reproducibility",
    ):
        assert heading in md, heading
    assert "**Recommendation: Hybrid (fine-tuning + RAG)**" in md
    total = report.costs["approaches"]["rag"]["cumulative"][-1]
    assert f"{total:,.0f}" in md


def test_html_structure_is_self_contained(report):
    html = to_html(report)
    for section in (
        "verdict",
        "why",
        "warnings",
        "flips",
        "next-steps",
        "costs",
        "answers",
        "stamp",
    ):
        assert f'id="{section}"' in html
    tags = _Tags()
    tags.feed(html)
    assert not tags.external  # no script or stylesheet from the network: opens offline
    assert "Plotly.newPlot" in html
    assert "@media print" in html


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.handlers, self.scripts, self.external = [], [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.external += [v for k, v in attrs if k in ("src", "href") and v and "//" in v]
        self.handlers += [k for k, _ in attrs if k.lower().startswith("on")]
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def test_user_text_is_escaped_everywhere(rules_copy):
    for name in ("questions.yaml", "decision.yaml"):
        path = rules_copy / name
        text = path.read_text()
        bad = json.dumps(EVIL)  # a JSON string is a valid double-quoted YAML scalar
        text = text.replace("text: What goes wrong with the model's answers today?", f"text: {bad}")
        text = text.replace("label: Missing or stale facts", f"label: {bad}")
        text = text.replace("title: The model lacks facts", f"title: {bad}")
        text = text.replace(
            "rationale: Missing or stale information is a data problem, and "
            "data problems go to retrieval.",
            f"rationale: {bad}",
        )
        text = text.replace(
            "message: Without a golden test set you cannot know whether RAG or "
            "fine-tuning improved anything.",
            f"message: {bad}",
        )
        path.write_text(text)
    rs = load_rules(rules_copy)
    rag = [
        {
            "question": EVIL,
            "text": EVIL,
            "backend": EVIL,
            "fallback_reason": EVIL,
            "sources": [
                {
                    "n": 1,
                    "document": EVIL,
                    "page": 2,
                    "chunk": 0,
                    "heading": EVIL,
                    "text": EVIL,
                    "score": 0.5,
                    "scores": {},
                }
            ],
        }
    ]
    lora = {
        "status": EVIL,
        "base_model": EVIL,
        "steps": 3,
        "wall_seconds": 1,
        "tokens_per_second": 2,
        "peak_memory_mb": 3,
        "train_loss": [[1, 2.0], [2, 1.0]],
        "val_loss": [],
    }
    report = build_report(rs, {"failure_mode": "knowledge"}, rag_answers=rag, lora_run=lora)
    html = to_html(report)
    assert html.count("&lt;script&gt;alert(1)") >= 8  # every field shows the text, inert
    tags = _Tags()
    tags.feed(html)
    assert "img" not in tags.tags and not tags.handlers
    assert not any("alert(" in s for s in tags.scripts)
    md = to_markdown(report)
    assert "<script>" not in md and "<img" not in md and "&lt;script&gt;" in md


def test_html_opens_in_headless_chromium_without_console_errors(report, tmp_path):
    from playwright.sync_api import sync_playwright

    path = tmp_path / "report.html"
    path.write_text(to_html(report))
    errors = []
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector(".plotly .main-svg", timeout=15000)  # the chart rendered
        assert page.locator("#verdict .label").inner_text() == "Hybrid (fine-tuning + RAG)"
        browser.close()
    assert errors == []


def test_pdf_via_chromium(report):
    data = render(report, "pdf")
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_report_cli(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("failure_mode: knowledge\nneeds_external_data: true\n")
    for ext in ("html", "md", "json"):
        out = tmp_path / f"r.{ext}"
        result = run_cli("report", str(answers), "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 1000
    assert (
        json.loads((tmp_path / "r.json").read_text())["recommendation"]["recommendation"] == "rag"
    )
    bad = run_cli("report", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "x.html"))
    assert bad.returncode == 2 and "missing.yaml: file not found" in bad.stderr
    ext = run_cli("report", str(answers), "--out", str(tmp_path / "x.docx"))
    assert ext.returncode == 2 and "unknown report format '.docx'" in ext.stderr
    broken = tmp_path / "b.yaml"
    broken.write_text("failure_mode: [\n")
    bad = run_cli("report", str(broken), "--out", str(tmp_path / "x.md"))
    assert bad.returncode == 2 and "b.yaml:2: invalid YAML" in bad.stderr
