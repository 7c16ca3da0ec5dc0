"""Every page headless with AppTest (the browser test is tests/test_app_browser.py).

The whole app runs (app.py with st.navigation), and pages are switched as a user does,
so what is kept in the session, and what is lost with a page's widgets, is the real thing.
"""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from apptest import by_key as _by_key
from apptest import go as _go
from apptest import open_app
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from advisor.advice import load_folder, recommend
from advisor.finetune.train import StepReport
from advisor.options import OPTIONS
from advisor.rag.pipeline import Answer, SourceRef
from advisor.settings import get_settings
from advisor.ui.jobs import Job
from advisor.ui.wording import as_text, flip_line

RULES = load_folder(ROOT / "rules").rules


@pytest.fixture(autouse=True)
def app_data(monkeypatch, model_dir):
    """The app's data folder: the run's shared model cache, never the repo's ./data."""
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(model_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _app(session: dict | None = None, timeout: int = 120) -> AppTest:
    return open_app(session=session, timeout=timeout)


def _verdict(at: AppTest) -> str:
    return at.header[0].value


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _expanders(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


# --- Questionnaire ------------------------------------------------------------------


def test_report_page_with_nothing_answered_says_it_is_a_starting_point():
    at = _app()
    _go(at, "report")
    assert not at.exception
    assert any(c.value.startswith("A starting point, not a verdict yet") for c in at.caption)
    assert at.markdown[0].value.startswith("no rule behind the verdict yet")
    assert "No rule fired on these answers." in _markdown(at)  # the preview's "Why"
    assert "| Option | Score |" not in _markdown(at)


def test_questionnaire_verdict_bars_numbers_and_words():
    at = _app()
    assert _verdict(at) == "Prompt engineering first"  # a heading: wraps, never cut off
    keys = {w.key for w in [*at.selectbox, *at.number_input, *at.multiselect]}
    assert "qn_failure_mode" in keys and "qn_knowledge_change" not in keys  # follow-up hidden
    # Nothing answered: a starting point, said in words, with no share that would read
    # as a measured "100%" and no "0 rules" behind it.
    assert not at.get("progress")
    assert any(c.value.startswith("A starting point, not a verdict yet") for c in at.caption)
    assert not any(m.value.startswith("**Why:") for m in at.markdown)
    # Nothing is answered until the user answers: no number is pre-filled, and the
    # assumption the cost estimate uses is said in the empty box.
    queries = _by_key(at.number_input, "qn_monthly_queries")
    assert queries.value is None and queries.proto.format == "%d"
    assert "assumed 10,000 queries/month" in queries.proto.placeholder
    assert _by_key(at.selectbox, "qn_failure_mode").value is None
    assert any(c.value.startswith("Based on 0 answers given") for c in at.caption)
    # Whole numbers show as whole numbers, grouped where the box cannot: no "10000.00".
    queries.set_value(10_000).run()
    assert "10,000 queries/month" in [c.value for c in at.caption]
    assert at.session_state["answers"]["monthly_queries"] == 10_000
    _by_key(at.selectbox, "qn_failure_mode").set_value("knowledge").run()
    bars = [p.proto.text for p in at.get("progress")]
    rec = recommend(RULES, dict(at.session_state["answers"]))
    assert bars == [f"{OPTIONS[o]}: {rec.scores[o]:.0%}" for o in rec.ranking]  # by score
    assert any(b.startswith("Hybrid (fine-tuning + RAG)") for b in bars)  # full labels
    assert not any(c.value.startswith("A starting point") for c in at.caption)
    text = _markdown(at)
    # Flips and reasons in the questions' words, not ids; no "yes (is yes)".
    assert (
        "Does the application need external, private, or frequently changing data? "
        "**yes (implied)**" in text
    )  # implied by "missing or stale facts", and said so
    assert "needs_external_data" not in text and "(is " not in text
    # Sources by their titles, not hashed file names.
    assert "RAG vs Fine-Tuning: When to Use Each and How to Decide" in text
    assert "0223c970ae7325fd" not in text
    assert "✅" not in text and "❌" not in text


def test_changing_an_answer_flips_the_verdict_as_predicted():
    given = {"needs_external_data": True, "failure_mode": "knowledge", "knowledge_change": "never"}
    at = _app({"answers": dict(given)})
    before = recommend(RULES, given)
    assert _verdict(at) == before.label
    flips = {f.question: f for f in before.flips}
    assert {"failure_mode", "needs_external_data"} <= set(flips)
    text = _markdown(at)
    for f in before.flips:  # the page lists every flip the engine predicts
        assert flip_line(RULES, f) in text
    # A choice question: pick the predicted value, the verdict becomes the predicted one.
    flip = flips["failure_mode"]
    _by_key(at.selectbox, "qn_failure_mode").set_value(flip.value).run()
    assert not at.exception
    assert _verdict(at) == OPTIONS[flip.recommendation] != before.label
    assert at.session_state["answers"]["failure_mode"] == flip.value  # shared with other pages
    # A yes/no question, from a fresh session.
    at = _app({"answers": dict(given)})
    flip = flips["needs_external_data"]
    _by_key(at.selectbox, "qn_needs_external_data").set_value(flip.value).run()
    assert _verdict(at) == OPTIONS[flip.recommendation] != before.label


# --- Costs: edits belong to the session, and reach the verdict and the report ---------

COST_RULE = "Retraining on knowledge updates makes fine-tuning cost more than RAG"


def test_cost_edits_survive_the_page_and_reach_the_verdict_and_the_report():
    given = {
        "needs_external_data": True,
        "failure_mode": "knowledge",
        "knowledge_change": "monthly",
    }
    at = _app({"answers": given})
    assert COST_RULE in " ".join(_expanders(at))  # the cost fact fires at sheet prices
    _go(at, "costs")
    _by_key(at.number_input, "costs_months").set_value(36).run()
    row = list(at.dataframe[0].value["price"]).index("Engineering: build the RAG pipeline")
    at.session_state["costs_prices"] = {
        "edited_rows": {row: {"value": 2000.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert at.session_state["cost_price_edits"] == {"engineering.rag_build_hours": 2000.0}
    _go(at, "")  # the questionnaire reasons with the edited price
    assert COST_RULE not in " ".join(_expanders(at))
    _go(at, "costs")  # the widgets were gone; the page shows the session's edits again
    assert _by_key(at.number_input, "costs_months").value == 36
    prices = at.dataframe[0].value.set_index("price")["value"]
    assert prices["Engineering: build the RAG pipeline"] == 2000.0
    _go(at, "report")
    preview = _markdown(at)
    assert "## Costs over 36 months" in preview and "24 months" not in preview
    assert "2,000 h × $100.00/h" in preview  # the edited price, in the formulas
    assert COST_RULE not in preview
    assert "costs over 36 months" in at.markdown[0].value


def test_costs_page_names_prices_with_units_and_sources_and_says_which_is_cheaper():
    at = _app({"answers": {"needs_external_data": True, "monthly_queries": 2_000_000}})
    _go(at, "costs")
    assert len(at.get("plotly_chart")) == 3  # cumulative, stacked items, tornado
    assert _by_key(at.number_input, "costs_queries").value == 2_000_000
    table = at.dataframe[0].value.set_index("price")
    assert "llm.large_api.input_per_1m_tokens" not in table.index
    large = table.loc["Large API model: input"]
    assert large["unit"] == "USD per 1M input tokens" and "openai.com" in large["source"]
    assert table.loc["Engineer's hourly rate", "unit"] == "USD per hour"
    for sentence in at.table[0].value["which is cheaper"]:
        assert any(f"{label} is cheaper" in sentence for label in OPTIONS.values()), sentence
    tornado = json.loads(_by_key(at.get("plotly_chart"), "costs_tor").proto.spec)
    labels = [y for trace in tornado["data"] for y in trace["y"]]
    assert all("_" not in y and "(" in y for y in labels), labels  # names with units
    assert any("openai.com" in c for trace in tornado["data"] for c in trace["customdata"])


# --- Your documents -----------------------------------------------------------------


def _fake_answer() -> Answer:
    src = [
        SourceRef(1, "sla.md", None, 0, "", "Uptime is 99.5%.", 0.02, {"dense": 0.48}),
        SourceRef(2, "guide.pdf", 3, 1, "Escalation", "Call Ada.", 0.01, {"bm25": 1.6}),
    ]
    return Answer("What is the uptime?", "99.5% [1]", src, {"total": 0.1}, "fake", "hybrid", [1])


def test_documents_page_forget_confirms_and_answers_are_explained():
    at = _app({"ws_id": "apptest-docs"})
    _go(at, "documents")
    assert any("No documents yet" in i.value for i in at.info)
    demo = _by_key(at.button, "docs_demo")
    assert "/" not in (demo.help or "")  # no server path in the tooltip
    demo.click().run()
    assert not at.exception
    assert any("18 documents" in s.value for s in at.subheader)
    chunks = next(d for d in at.dataframe if "text" in d.value.columns)
    columns = json.loads(chunks.proto.columns)
    assert columns["text"]["width"] >= 500 and chunks.proto.row_height > 40  # wraps, on screen
    _by_key(at.selectbox, "docs_forget_pick").set_value("sla.md")
    _by_key(at.button, "docs_forget").click().run()
    assert any("18 documents" in s.value for s in at.subheader)  # nothing gone yet
    assert any("Forget **sla.md**?" in w.value for w in at.warning)
    _by_key(at.button, "docs_forget_yes").click().run()
    assert not at.exception
    assert any("17 documents" in s.value for s in at.subheader)
    assert any(s.value.startswith("Forgot sla.md") for s in at.success)  # survives the rerun
    results = next(d for d in at.dataframe if "status" in d.value.columns).value
    assert results.set_index("name").loc["sla.md", "status"] == "forgotten"
    # An answer: sources without a heading have no dangling separator; scores explained.
    at.session_state["docs_last"] = _fake_answer()
    at.run()
    labels = _expanders(at)
    assert "[1] sla.md" in labels and "[2] guide.pdf, page 3 · Escalation" in labels
    assert not any(label.rstrip().endswith("·") for label in labels)
    assert any(
        "cosine similarity" in c.value and "best for this question" in c.value for c in at.caption
    )
    assert _by_key(at.button, "docs_answer").proto.is_form_submitter  # Enter asks


# --- Fine-tune ----------------------------------------------------------------------


def _report(step: int, loss: float, val: float | None = None) -> StepReport:
    return StepReport(
        step=step,
        total_steps=6,
        epoch=(step + 1) // 2,
        loss=loss,
        eval_loss=val,
        tokens_per_second=100.0,
        eta_seconds=1.0,
    )


def _finished_job(out: Path, reports: list[StepReport]) -> Job:
    run = {"steps": 6, "train_seconds": 9.0, "tokens_per_second": 100.0, "peak_memory_mb": 900}
    result = SimpleNamespace(status="complete", out=out, run=run)
    return Job("train", reports=reports, result=result)


def test_finetune_page_without_documents_says_so_in_words():
    at = _app({"ws_id": "apptest-ft-empty"})
    _go(at, "finetune")
    info = [i.value for i in at.info]
    assert any(i.startswith("No facts with short answers yet") for i in info), info
    assert not any("Only 0" in i for i in info)


def test_finetune_page_chart_overfitting_and_both_answers(tmp_path):
    reports = [
        _report(1, 2.0),
        _report(2, 1.6, 1.8),
        _report(3, 1.2),
        _report(4, 0.9, 1.5),
        _report(5, 0.5),
        _report(6, 0.2, 1.9),  # validation up while training falls
    ]
    job = _finished_job(tmp_path / "run-1", reports)
    lora = Answer("Who?", "Ada.", [], {}, "lora:run-1", "none")
    src = _fake_answer().sources
    both = Answer("Who?", "Ada [1].", [src[0], src[0], src[1]], {}, "lora:run-1", "hybrid")
    saved = {"adapter": str(job.result.out), "question": "Who?", "answers": {"lora": lora}}
    saved["answers"]["lora_rag"] = both
    at = _app({"ws_id": "apptest-ft-empty", "ft_job": job, "ft_answers": saved})
    _go(at, "finetune")
    chart = json.loads(_by_key(at.get("plotly_chart"), "ft_loss").proto.spec)
    assert [t["name"] for t in chart["data"]] == ["training loss", "validation loss"]
    assert chart["data"][1]["y"] == [1.8, 1.5, 1.9]
    assert chart["layout"]["xaxis"]["title"]["text"] == "Training step"
    assert chart["layout"]["yaxis"]["title"]["text"].startswith("Loss")
    assert any("Overfitting" in w.value for w in at.warning)
    assert job.shown_done  # the finished run reran the whole page (Ask appears by itself)
    assert "Ask the adapter" in [s.value for s in at.subheader]
    assert not at.toggle  # no with/without switch that hides the other answer
    captions = [c.value for c in at.caption]
    assert any(c.endswith("sources: sla.md, guide.pdf") for c in captions), captions
    assert any("no retrieval" in c for c in captions)
    shown = [as_text("Ada."), as_text("Ada [1].")]  # model output, never read as markdown
    assert all(a in _markdown(at) for a in shown)
    at.run()  # another run (any widget): both answers are still there
    assert all(a in _markdown(at) for a in shown)


def test_finetune_train_button_is_disabled_while_training_even_after_a_reload():
    session = {"ws_id": "apptest-ft"}
    at = _app(session)
    _go(at, "documents")
    _by_key(at.button, "docs_demo").click().run()
    _go(at, "finetune")
    assert any("golden" in m.value for m in at.markdown)
    _by_key(at.number_input, "ft_epochs").set_value(1)
    _by_key(at.button, "ft_train").click().run()
    job = at.session_state["ft_job"]
    assert job.running
    assert _by_key(at.button, "ft_train").disabled  # already in the run that started it
    # A reload is a new session on the same workspace link: it finds the running job,
    # shows it running (no second run can start) and can cancel it.
    again = _app(dict(session))
    _go(again, "finetune")
    assert not again.exception
    assert again.session_state["ft_job"] is job and job.running
    assert _by_key(again.button, "ft_train").disabled
    _by_key(again.button, "ft_cancel").click().run()
    assert job.cancel.is_set()
    job.thread.join(timeout=300)
    at.run()
    assert not at.exception and job.error is None, job.error
    assert job.result is not None and job.result.status == "cancelled"
    assert not _by_key(at.button, "ft_train").disabled
    assert any(i.value.startswith("Cancelled: a partial adapter") for i in at.info)


# --- Report -------------------------------------------------------------------------


def test_report_page_previews_then_offers_every_format():
    at = _app({"answers": {"failure_mode": "knowledge", "golden_eval_set": False}})
    _go(at, "report")
    labels = {b.label for b in at.get("download_button")}
    assert {"Download .html", "Download .md", "Download .json"} <= labels
    preview = _markdown(at)
    assert "# RAG or fine-tuning: recommendation" in preview
    rec = recommend(RULES, {"failure_mode": "knowledge", "golden_eval_set": False})
    weighing = [f for f in rec.fired if f.evidence]
    assert len(weighing) < len(rec.fired)  # a warning-only rule fired: the counts differ
    assert at.markdown[0].value.startswith(f"{len(weighing)} rules behind the verdict")
    _go(at, "")  # the questionnaire counts the same rules
    assert f"**Why: {len(weighing)} rules behind the verdict**" in _markdown(at)
