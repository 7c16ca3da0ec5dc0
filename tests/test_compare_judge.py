"""An optional judge on the user's own model, tested against the documented OpenAI API on
loopback (no real server runs here): its verdicts stand beside the deterministic scores,
labelled as a judge's, with its model and prompt in the run, and the run says how often
the two agree. A judge that is down leaves empty verdicts and one note."""

from __future__ import annotations

import json

import pytest
from fake_openai import FakeOpenAI
from test_compare_runner import DOCS, QUESTIONS, Oracle, _plan

from advisor.compare import judge
from advisor.compare.run import load_run
from advisor.compare.runner import run_comparison
from advisor.compare.text import judge_lines, render_summary
from advisor.errors import AdvisorError
from advisor.llm.openai_backend import OpenAIGenerator
from advisor.questionsets.files import load_question_file
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings


@pytest.fixture
def workspace(settings, embedder, tmp_path):
    pipeline = RagPipeline(settings, "judge-ws", embedder=embedder, generator=Oracle())
    pipeline.ingest_bytes([(n, t.encode()) for n, t in DOCS.items()])
    qfile = tmp_path / "questions.yaml"
    qfile.write_text(QUESTIONS)
    return pipeline, load_question_file(qfile)


@pytest.mark.parametrize(
    ("reply", "correct", "supported"),
    [
        ('{"correct": true, "supported": false}', 1.0, 0.0),
        ('Sure. {"correct": false, "supported": null} Hope that helps.', 0.0, None),
        ('{"correct": "yes", "supported": "no"}', 1.0, 0.0),
        ("The answer is right.", None, None),
        ('{"supported": true}', None, None),
    ],
)
def test_a_reply_is_read_as_a_verdict_or_as_none(reply, correct, supported):
    assert judge.parse(reply) == judge.Verdict(correct, supported)


def test_no_judge_unless_one_is_configured_and_never_the_embedded_model():
    assert judge.make_judge(Settings()) is None
    with pytest.raises(AdvisorError, match="'embedded' is not a judge backend"):
        judge.make_judge(Settings(judge="embedded"))
    made = judge.make_judge(Settings(judge="openai", judge_model="big-judge"))
    assert made.name == "openai:big-judge" and not hasattr(made, "fallback")


def test_a_judged_comparison_stores_the_verdicts_and_the_agreement(workspace, tmp_path):
    pipeline, qs = workspace
    with FakeOpenAI(answer='{"correct": true, "supported": true}') as fake:
        plan = _plan(pipeline, qs, arms="base,rag", lora=False)
        plan.judge = OpenAIGenerator(fake.url, "judge-model", timeout=10)
        run = run_comparison(plan)
        asked = list(fake.requests)
    assert len(asked) == len(run.cells) == 6  # every answer with a reference, judged once
    # the answers are judged in flight at once, so the requests arrive in any order
    assert all(a["messages"][0]["content"] == judge.SYSTEM for a in asked)
    prompts = sorted(a["messages"][1]["content"] for a in asked)
    assert sum("Reference answer: 07:30" in p for p in prompts) == 2  # base and rag, once each
    assert all(c.judge_correct == 1.0 and c.judge_supported == 1.0 for c in run.cells)
    assert run.settings["judge"] == {"model": "openai:judge-model", "system": judge.SYSTEM,
                                     "template": judge.TEMPLATE, "label": "judge"}  # fmt: skip
    arms = run.aggregates["arms"]
    # the judge says "correct" to all; the deterministic score: rag right, base wrong
    assert arms["rag"]["judge"]["agreement"] == {"n": 3, "agree": 3, "mean": 1.0,
                                                 "low": pytest.approx(0.4385, abs=1e-3),
                                                 "high": 1.0}  # fmt: skip
    assert arms["base"]["judge"]["agreement"]["agree"] == 0
    text = render_summary(run)
    assert "A judge's verdicts (openai:judge-model; a model's opinion, beside the scores):" in text
    assert "rag        judged correct 100%" in text and "agreed with correct on 3 of 3" in text
    # the deterministic scores are untouched, and the verdicts survive a save and a load
    assert arms["rag"]["correct"]["mean"] == 1.0 and arms["base"]["correct"]["mean"] == 0.0
    path = run.save(tmp_path / "judged.json")
    again = load_run(path)
    assert [c.judge_correct for c in again.cells] == [c.judge_correct for c in run.cells]
    assert json.loads(path.read_text())["settings"]["judge"]["label"] == "judge"


def test_a_judge_that_is_down_leaves_the_verdicts_empty_with_one_note(workspace):
    pipeline, qs = workspace
    with FakeOpenAI(status=500, body=b'{"error": "down"}') as fake:
        plan = _plan(pipeline, qs, arms="rag", lora=False)
        plan.judge = OpenAIGenerator(fake.url, "judge-model", timeout=10)
        run = run_comparison(plan)
    assert run.status == "complete" and all(c.judge_correct is None for c in run.cells)
    assert any(n.startswith("the judge openai:judge-model did not answer") for n in run.notes)
    assert run.aggregates["arms"]["rag"]["judge"] is None and judge_lines(run) == []
    assert run.aggregates["arms"]["rag"]["correct"]["mean"] == 1.0  # its own scores stand
