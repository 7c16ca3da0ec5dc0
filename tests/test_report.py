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


def test_json_structure(report):
    data = json.loads(to_json(report))
    assert data["schema_version"] == 2 and data["comparison"] is None
    assert data["recommendation"]["recommendation"] == "hybrid"
    assert {"fired", "warnings", "flips", "next_steps", "answers", "scores"} <= set(
        data["recommendation"]
    )
    assert set(data["costs"]["approaches"]) == {"rag", "fine_tune", "hybrid", "prompt_engineering"}
    stamp = data["stamp"]
    assert stamp["price_sheet_date"] == "2025-06-01" and len(stamp["rules_sha256"]) == 16
    assert stamp["models"]["embedding"].endswith("all-MiniLM-L6-v2")


# An explicit price sheet with round figures, so every expected cost below can be worked
# out by hand. Figures the cases below do not use still need a value to be a valid sheet.
def _fig(value):
    return {"value": value, "source": "test figure"}


PRICES = {
    "as_of": "2024-01-15",
    "embedding_per_1m_tokens": _fig(0.5),
    "llm": {
        "large_api": {
            "label": "L",
            "input_per_1m_tokens": _fig(2),
            "output_per_1m_tokens": _fig(8),
        },
        "small_api": {
            "label": "S",
            "input_per_1m_tokens": _fig(0.5),
            "output_per_1m_tokens": _fig(1),
        },
        "small_api_finetuned": {
            "label": "SF",
            "input_per_1m_tokens": _fig(1),
            "output_per_1m_tokens": _fig(4),
        },
    },
    "api_training_per_1m_tokens": _fig(5),
    "self_hosted": {
        "label": "H",
        "gpu": "l4",
        "tokens_per_second": _fig(5),
        "utilisation": _fig(0.5),
    },
    "vector_db_per_gb_month": _fig(20),
    "gpu_per_hour": {"a100": _fig(2), "h100": _fig(3), "l4": _fig(1)},
    "training": {
        "gpu": "a100",
        "full": {"gpus": _fig(4), "tokens_per_second_per_gpu": _fig(500)},
        "lora": {"gpus": _fig(1), "tokens_per_second_per_gpu": _fig(2000)},
        "qlora": {"gpus": _fig(1), "tokens_per_second_per_gpu": _fig(1000)},
    },
    "engineering": {
        "hourly_rate": _fig(50),
        "rag_build_hours": _fig(20),
        "fine_tune_setup_hours": _fig(10),
        "prompt_engineering_hours": _fig(4),
        "data_prep_hours_per_1000_examples": _fig(8),
        "evaluation_hours": _fig(6),
    },
}

# Answers that set cost inputs through rules/cost_inputs.yaml: 2,000 documents, 10,000
# queries a month, knowledge that changes monthly (1 update a month, which fine-tuning alone
# must retrain for), 1,000 training examples.
COST_ANSWERS = {
    "failure_mode": "both",
    "needs_external_data": True,
    "knowledge_change": "monthly",
    "corpus_documents": 2000,
    "monthly_queries": 10000,
    "labelled_examples": 1000,
}
# The remaining cost inputs, given explicitly rather than taken from defaults.
COST_OVERRIDES = {
    "tokens_per_document": 1000,
    "chunk_tokens": 500,
    "chunk_overlap": 0.2,
    "top_k": 4,
    "prompt_tokens": 100,
    "answer_tokens": 50,
    "few_shot_tokens": 400,
    "changed_fraction": 0.1,
    "epochs": 2,
    "tokens_per_example": 250,
    "embedding_dim": 1000,
}

# Worked by hand from the formulas each line item prints (README "Costs").
#   corpus tokens   = 2,000 docs x 1,000 tokens = 2,000,000
#   RAG prompt      = 100 prompt tokens + 4 chunks x 500 tokens = 2,100 tokens in, 50 out
#   chunks          = 2,000,000 tokens / (500 x (1 - 0.2)) = 5,000
#   bytes per chunk = 1,000 dims x 4 + 500 tokens x 4 + 500 = 6,500 -> 0.0325 GB
#   training tokens = 1,000 examples x 250 tokens x 2 epochs = 500,000
SHARED = {
    "Embed the corpus": ("one_time", 2_000_000 / 1e6 * 0.5),  # 1.00
    "Build the RAG pipeline": ("one_time", 20 * 50),  # 1,000
    "Golden set and evaluation": ("one_time", 6 * 50),  # 300
    "Prepare training pairs": ("one_time", 1000 / 1000 * 8 * 50),  # 400
    "Training and serving setup": ("one_time", 10 * 50),  # 500
    "Prompt engineering": ("one_time", 4 * 50),  # 200
    "Embed queries": ("monthly", 10_000 * 100 / 1e6 * 0.5),  # 0.50
    "Re-embed changed documents": ("monthly", 1 * 0.1 * 2_000_000 / 1e6 * 0.5),  # 0.10
    "Vector storage": ("monthly", 5000 * 6500 / 1e9 * 20),  # 0.65
    # large API model: 10,000 x (2,100 x $2 + 50 x $8) / 1M
    "Answer queries with retrieved context": ("monthly", 10_000 * (2100 * 2 + 50 * 8) / 1e6),
    # large API model, 100 + 400 few-shot tokens in: 10,000 x (500 x $2 + 50 x $8) / 1M
    "Answer queries with a longer prompt": ("monthly", 10_000 * (500 * 2 + 50 * 8) / 1e6),
    # one retrain a month: (6 h evaluation + 10% x 1,000 / 1,000 x 8 h) x $50
    "Re-evaluate and refresh pairs per retrain": ("monthly", 1 * (6 + 0.1 * 1 * 8) * 50),
}
# A provider's fine-tuned small model (model_access: api_finetune).
API_TUNED = {
    "Training run": ("one_time", 500_000 / 1e6 * 5),  # 2.50
    "Retraining runs": ("monthly", 1 * 500_000 / 1e6 * 5),
    "Answer queries with the fine-tuned model": ("monthly", 10_000 * (100 * 1 + 50 * 4) / 1e6),
    "Answer queries: fine-tuned model + context": (
        "monthly",
        10_000 * (2100 * 1 + 50 * 4) / 1e6,
    ),
}
# Open weights, QLoRA on one A100 at 1,000 tokens/s, served on L4s: one L4 serves
# 5 tokens/s x 3,600 s x 730 h x 50% = 6,570,000 tokens a month.
SELF_HOSTED = {
    "Training run": ("one_time", 500_000 / 1000 / 3600 * 1 * 2),  # 0.139 h x 1 GPU x $2
    "Retraining runs": ("monthly", 1 * 500_000 / 1000 / 3600 * 1 * 2),
    # 10,000 x (100 + 50) = 1,500,000 tokens a month: 1 L4 x 730 h x $1
    "Answer queries with the fine-tuned model": ("monthly", 1 * 730 * 1),
    # 10,000 x (2,100 + 50) = 21,500,000 tokens a month: ceil(3.27) = 4 L4s x 730 h x $1
    "Answer queries: fine-tuned model + context": ("monthly", 4 * 730 * 1),
}
ITEMS = {
    "rag": [
        "Embed the corpus",
        "Build the RAG pipeline",
        "Golden set and evaluation",
        "Answer queries with retrieved context",
        "Embed queries",
        "Re-embed changed documents",
        "Vector storage",
    ],
    "fine_tune": [
        "Prepare training pairs",
        "Training run",
        "Training and serving setup",
        "Golden set and evaluation",
        "Answer queries with the fine-tuned model",
        "Retraining runs",
        "Re-evaluate and refresh pairs per retrain",
    ],
    "hybrid": [
        "Embed the corpus",
        "Build the RAG pipeline",
        "Prepare training pairs",
        "Training run",
        "Training and serving setup",
        "Golden set and evaluation",
        "Answer queries: fine-tuned model + context",
        "Embed queries",
        "Re-embed changed documents",
        "Vector storage",
    ],
    "prompt_engineering": [
        "Prompt engineering",
        "Golden set and evaluation",
        "Answer queries with a longer prompt",
    ],
}
# One-time and monthly totals per approach, summed by hand from the items above.
TOTALS = {
    "api_finetune": {
        "rag": (1 + 1000 + 300, 46 + 0.5 + 0.1 + 0.65),
        "fine_tune": (400 + 2.5 + 500 + 300, 3 + 2.5 + 340),
        "hybrid": (1 + 1000 + 400 + 2.5 + 500 + 300, 23 + 0.5 + 0.1 + 0.65),
        "prompt_engineering": (200 + 300, 14),
    },
    "open_weights": {
        "rag": (1 + 1000 + 300, 46 + 0.5 + 0.1 + 0.65),
        "fine_tune": (
            400 + 500_000 / 1000 / 3600 * 2 + 500 + 300,
            730 + 500_000 / 1000 / 3600 * 2 + 340,
        ),
        "hybrid": (
            1 + 1000 + 400 + 500_000 / 1000 / 3600 * 2 + 500 + 300,
            2920 + 0.5 + 0.1 + 0.65,
        ),
        "prompt_engineering": (200 + 300, 14),
    },
}


@pytest.mark.parametrize(
    ("access", "extra", "tuned"),
    [
        ("api_finetune", {}, API_TUNED),
        (
            "open_weights",
            {"current_plan": "hybrid", "fine_tune_method": "qlora"},
            SELF_HOSTED,
        ),
    ],
)
def test_report_costs_match_hand_arithmetic_from_the_price_sheet(rules, access, extra, tuned):
    from advisor.costs.prices import PriceSheet

    months = 6
    sheet = PriceSheet.model_validate(PRICES)
    answers = {**COST_ANSWERS, "model_access": access, **extra}
    report = build_report(
        rules, answers, prices=sheet, months=months, cost_overrides=COST_OVERRIDES
    )
    data = json.loads(to_json(report))
    costs = data["costs"]
    assert data["stamp"]["price_sheet_date"] == "2024-01-15"  # our sheet, not the folder's
    assert costs["horizon_months"] == months
    expected_items = {**SHARED, **tuned}
    for approach, names in ITEMS.items():
        got = costs["approaches"][approach]
        items = {i["name"]: (i["kind"], i["amount"]) for i in got["line_items"]}
        assert list(items) == names, approach
        for name in names:
            kind, amount = expected_items[name]
            assert items[name][0] == kind, (approach, name)
            assert items[name][1] == pytest.approx(amount, abs=0.01), (approach, name)
        one_time, monthly = TOTALS[access][approach]
        assert got["one_time"] == pytest.approx(one_time, abs=0.01), approach
        assert got["monthly"] == pytest.approx(monthly, abs=0.01), approach
        cumulative = [one_time + m * monthly for m in range(months + 1)]
        assert got["cumulative"] == pytest.approx(cumulative, abs=0.01), approach


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
    from test_evidence import hand_made_run

    run = hand_made_run(text=EVIL)
    report = build_report(
        rs, {"failure_mode": "knowledge"}, rag_answers=rag, lora_run=lora, comparison=run
    )
    html = to_html(report)
    assert html.count("&lt;script&gt;alert(1)") >= 16  # every field shows the text, inert
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


def test_the_report_quotes_paired_differences_with_their_intervals(rules_copy):
    from test_compare_evidence import _unseen_run

    from advisor.compare.summary import summarise

    run = _unseen_run(12)
    run.aggregates = summarise(run)
    report = build_report(load_rules(rules_copy), {"failure_mode": "knowledge"}, comparison=run)
    want = "rag minus lora: +100 points (95% interval +100 to +100; n=12, McNemar p=0.00049)"
    assert want in to_html(report) and want in to_markdown(report)


def test_the_report_names_a_winner_only_when_the_paired_interval_excludes_zero(rules):
    from test_compare_evidence import _unseen_run

    from advisor.compare.summary import summarise

    clear = _unseen_run(12)  # RAG right on all 12 unseen questions, the adapter on none
    clear.aggregates = summarise(clear)
    report = build_report(rules, {"failure_mode": "knowledge"}, comparison=clear)
    want = "Most correct on 12 questions the adapter did not train on: RAG (100%)"
    assert report.comparison["headline"]["apart"] and "winner" not in report.comparison
    assert want in to_markdown(report) and want in to_html(report)
    close = _unseen_run(12)
    for c in close.cells:  # the adapter right wherever RAG is: nothing to tell them apart
        c.correct = 1.0 if c.arm in ("rag", "lora") else c.correct
    close.aggregates = summarise(close)
    report = build_report(rules, {"failure_mode": "knowledge"}, comparison=close)
    said = "RAG and LoRA could not be told apart on 12 questions the adapter did not train on"
    md, html = to_markdown(report), to_html(report)
    assert said in md and said in html and "Most correct" not in md + html


def test_the_report_says_not_learned_where_the_adapter_never_stated_the_facts(rules):
    from test_compare_evidence import _unseen_run

    from advisor.compare.change.result import ChangeResult, forget_measures
    from advisor.compare.summary import summarise

    def said(arm, old, at=None):
        return {"question_id": "q0", "arm": arm, "answer": "a", "backend": "fake",
                "seconds": 0.1, "old_stated": old, "new_stated": None, "at": at,
                "doc_chunks": 0 if arm == "rag" else None}  # fmt: skip

    run = _unseen_run(12)
    before = [said("rag", True), said("lora", False)]
    after = [said("rag", False, 1.0), said("lora", False, 1.0)]
    forget = ChangeResult("forget", ["d.md"], "2025-01-01T00:00:00+00:00", before=before,
                          after=after, arms=forget_measures(["rag", "lora"], before, after))  # fmt: skip
    run.changes.append(forget.to_dict())
    run.aggregates = summarise(run)
    md = to_markdown(build_report(rules, {"failure_mode": "knowledge"}, comparison=run))
    lines = [x for x in md.splitlines() if x.startswith("- LoRA fine-tune alone: ")]
    assert lines and lines[0].startswith("- LoRA fine-tune alone: not learned: it stated none")
    assert "0%" not in lines[0]
    assert "- Base model + retrieved context (RAG): still states 0% of the forgotten" in md


def test_a_verdict_nothing_weighs_on_shows_no_shares_in_any_format(rules):
    """With no answers only the rule book's prior speaks: the report, its HTML and the
    terminal say so instead of a '100%' that would read as a measured certainty."""
    from advisor.decision.engine import advise
    from advisor.decision.text import render_text

    empty = build_report(rules, {}, months=12)
    md, page, terminal = to_markdown(empty), to_html(empty), render_text(advise(rules, {}))
    for text in (" ".join(t.split()) for t in (md, page, terminal)):  # the terminal wraps
        assert "A starting point, not a verdict yet" in text
        assert "try prompts first" in text
    assert "No rule fired on these answers." in md and "No rule fired on these answers." in page
    assert "no rule fired on these answers" in terminal
    # no shares: a table of scores, score bars, a "Scores:" line
    assert "| Option | Score |" not in md and "Prompt engineering first | 100%" not in md
    assert 'class="bar"' not in page and 'class="pct"' not in page
    assert "Scores:" not in terminal
    assert json.loads(to_json(empty))["recommendation"]["starting_point"] is True


def test_a_verdict_the_answers_weigh_on_shows_its_shares(report):
    md = to_markdown(report)
    assert "| Option | Score |" in md and "A starting point" not in md
    assert "No rule fired" not in md
    assert json.loads(to_json(report))["recommendation"]["starting_point_text"] is None
