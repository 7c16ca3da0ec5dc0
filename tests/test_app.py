"""The app runs headless: the questionnaire renders, follow-ups appear, the verdict updates."""

from streamlit.testing.v1 import AppTest

from conftest import ROOT


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def _toggle(at: AppTest, question_id: str):
    return next(t for t in at.toggle if t.key == f"qn_{question_id}")


def test_defaults_recommend_prompt_engineering():
    at = _app()
    assert at.metric[0].value == "Prompt engineering first"
    keys = {w.key for w in [*at.selectbox, *at.toggle, *at.number_input, *at.multiselect]}
    assert "qn_failure_mode" in keys
    assert "qn_knowledge_change" not in keys  # a follow-up, hidden until relevant


def test_needing_private_data_reveals_follow_ups_and_changes_the_verdict():
    at = _app()
    _toggle(at, "needs_external_data").set_value(True).run()
    assert "qn_knowledge_change" in {s.key for s in at.selectbox}
    next(s for s in at.selectbox if s.key == "qn_failure_mode").set_value("knowledge").run()
    _toggle(at, "private_data").set_value(True).run()
    assert not at.exception
    assert at.metric[0].value == "RAG"
