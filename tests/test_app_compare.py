"""The Compare page in context, headless with AppTest and the real models: what the run
will be before it starts (questions, arms, an estimate), the first N questions only, and
after it, a legend and one sentence on what it did to the verdict, which the
questionnaire then shows too."""

from __future__ import annotations

import json

import pytest
from apptest import by_key, go, open_app
from conftest import ROOT

from advisor.compare.questions import load_question_file
from advisor.settings import get_settings


@pytest.fixture(autouse=True)
def app_data(monkeypatch, model_dir, tmp_path):
    # a data folder of this test's own; the run's model cache (ADVISOR_CACHE_DIR, built once)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_the_first_n_questions_with_an_estimate_then_the_verdict_sentence():
    at = open_app(session={"ws_id": "apptest-compare"}, timeout=300)
    go(at, "documents")
    by_key(at.button, "docs_demo").click().run()
    go(at, "compare")
    plan = next(c for c in _captions(at) if "Estimated time:" in c)
    # the demo's golden set (with its reworded twins), all of it by default, through the
    # two arms that need no adapter
    n = len(load_question_file(ROOT / "demo_corpus" / "golden.yaml").questions)
    assert f"{n} questions" in plan and f"× 2 arms = {2 * n} answers" in plan, plan
    assert "from the benchmark on a 2-core laptop" in plan or "from the last comparison" in plan
    first = next(w for w in at.number_input if w.key.startswith("cmp_first"))
    assert first.value == n and first.max == n
    first.set_value(6).run()
    plan = next(c for c in _captions(at) if "Estimated time:" in c)
    assert plan.startswith("6 questions (6 with a reference answer) × 2 arms = 12 answers")
    by_key(at.button, "cmp_run").click().run()
    job = at.session_state["cmp_job"]
    job.thread.join(timeout=600)
    assert job.error is None, job.error
    at.run()  # the progress fragment sees the end and reruns the page
    at.run()
    run = at.session_state["compare_run"]
    assert len(run.rows) == 6 and f"first 6 of {n}" in run.question_set["name"]
    effect = next(m.value for m in at.markdown if m.value.startswith("**On the verdict:**"))
    assert "Moves nothing in the verdict" in effect or "Moves the verdict" in effect
    assert "interval" in effect or "fewer than 5" in effect, effect  # its figure, honestly
    legend = next(c for c in _captions(at) if c.startswith("**correct**"))
    for word in ("**F1**", "**grounded**", "**trained**", "**paraphrase**", "**unseen**"):
        assert word in legend
    # the next estimate rests on this run's measured speeds
    plan = next(c for c in _captions(at) if "Estimated time:" in c)
    assert "from the last comparison here" in plan
    speeds = json.loads((get_settings().model_cache / "compare-speed.json").read_text())
    assert any(set(v["seconds_per_answer"]) == {"base", "rag"} for v in speeds.values())

    go(at, "")  # the questionnaire says what the run did to its verdict
    measured = [c for c in _captions(at) if c.startswith("The comparison of ")]
    assert measured and ("6 questions, base, rag" in measured[0]), measured
    assert any(m.value == "**Measured on your documents**" for m in at.markdown)
