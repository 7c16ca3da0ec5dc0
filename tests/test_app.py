"""Every page headless with AppTest (the browser test is tests/test_app_browser.py)."""

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from advisor.settings import get_settings


@pytest.fixture(autouse=True)
def app_data(monkeypatch, model_dir):
    """The app's data folder: the run's shared model cache, never the repo's ./data."""
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(model_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _page(render_path: str, session: dict | None = None, timeout: int = 120) -> AppTest:
    module, func = render_path.rsplit(".", 1)
    at = AppTest.from_string(f"from {module} import {func}\n{func}()\n", default_timeout=timeout)
    for k, v in (session or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _by_key(widgets, key):
    return next(w for w in widgets if w.key == key)


def test_questionnaire_reaches_a_verdict_and_flips():
    at = _app()
    assert at.metric[0].value == "Prompt engineering first"
    keys = {w.key for w in [*at.selectbox, *at.toggle, *at.number_input, *at.multiselect]}
    assert "qn_failure_mode" in keys and "qn_knowledge_change" not in keys  # follow-up hidden
    _by_key(at.toggle, "qn_needs_external_data").set_value(True).run()
    assert "qn_knowledge_change" in {s.key for s in at.selectbox}
    assert at.metric[0].value == "RAG"
    _by_key(at.selectbox, "qn_failure_mode").set_value("knowledge").run()
    _by_key(at.toggle, "qn_private_data").set_value(True).run()
    assert not at.exception and at.metric[0].value == "RAG"
    assert at.session_state["answers"]["private_data"] is True  # shared with other pages


def test_costs_page_renders_its_charts_from_the_answers():
    at = _page(
        "advisor.ui.costs.render",
        {"answers": {"needs_external_data": True, "monthly_queries": 2_000_000}},
    )
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # cumulative, stacked items, tornado
    assert _by_key(at.number_input, "costs_queries").value == 2_000_000
    assert len(at.metric) == 4
    report = at.session_state["cost_report"]
    assert report["inputs"]["monthly_queries"] == 2_000_000


def test_documents_page_demo_corpus_preview_and_forget():
    at = _page("advisor.ui.documents.render", {"ws_id": "apptest-docs"})
    assert any("No documents yet" in i.value for i in at.info)
    _by_key(at.button, "docs_demo").click().run()
    assert not at.exception
    assert any("18 documents" in s.value for s in at.subheader)
    _by_key(at.selectbox, "docs_forget_pick").set_value("sla.md")
    _by_key(at.button, "docs_forget").click().run()
    assert any("17 documents" in s.value for s in at.subheader)


def test_report_page_offers_every_format():
    at = _page("advisor.ui.report.render", {"answers": {"failure_mode": "knowledge"}})
    labels = {b.label for b in at.get("download_button")}
    assert {"Download .html", "Download .md", "Download .json"} <= labels


def test_finetune_page_trains_in_the_background_and_reports(tmp_path):
    session = {"ws_id": "apptest-ft"}
    docs = _page("advisor.ui.documents.render", session)
    _by_key(docs.button, "docs_demo").click().run()
    at = _page("advisor.ui.finetune.render", session)
    assert any("golden" in m.value for m in at.markdown)
    _by_key(at.number_input, "ft_epochs").set_value(1)
    _by_key(at.button, "ft_train").click().run()
    job = at.session_state["ft_job"]
    job.thread.join(timeout=300)
    at.run()
    assert not at.exception
    assert job.result is not None and job.result.status == "complete"
    assert any("complete" in s.value for s in at.success)
    assert at.session_state["lora_run"]["steps"] >= 1
