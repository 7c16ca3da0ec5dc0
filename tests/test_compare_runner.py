"""The comparison runner on real Chroma and the real embedder, with fake models: every
cell scored, retrieval shared by the retrieval arms, cancel, save and reload, bad input."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest

from advisor.compare.arms import parse_arms
from advisor.compare.run import load_run, to_csv, write_run
from advisor.compare.runner import Plan, run_comparison
from advisor.errors import AdvisorError
from advisor.llm.base import Generation
from advisor.questionsets.files import load_question_file
from advisor.questionsets.model import typed_questions
from advisor.rag.pipeline import RagPipeline

DOCS = {
    "canteen.md": "# Canteen\n\nThe canteen opens at 07:30 and closes at 15:00 on weekdays.\n",
    "gate.md": "# Gate\n\nThe code for the loading-dock gate is 4711.\n",
    "parking.md": "# Parking\n\nVisitors park on level -2 of the north garage.\n",
}
QUESTIONS = """\
version: 1
questions:
  - {id: c1, tag: paraphrased, question: "When does the canteen open?", answer: "07:30", documents: [canteen.md]}
  - {id: c2, tag: exact-term, question: "What is the gate code?", answer: "4711", documents: [gate.md]}
  - {id: c3, tag: paraphrased, question: "Where do visitors park?", answer: "level -2", documents: [parking.md]}
"""


class Oracle:
    """A fake model that answers from the first context passage, or not at all."""

    name = "oracle"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def generate(self, messages, max_new_tokens=96):
        user = messages[-1]["content"]
        self.prompts.append(user)
        passages = [line for line in user.split("\n") if line.startswith("[1] ")]
        if "Context:" in user and passages:
            first = passages[0].split("] ", 1)[-1]
            return Generation(f"{first} [1]", self.name, 12, 0.02)
        return Generation("I don't know.", self.name, 4, 0.01)


@pytest.fixture
def workspace(settings, embedder, tmp_path):
    pipeline = RagPipeline(settings, "cmp-ws", embedder=embedder, generator=Oracle())
    pipeline.ingest_bytes([(n, t.encode()) for n, t in DOCS.items()])
    qfile = tmp_path / "questions.yaml"
    qfile.write_text(QUESTIONS)
    return pipeline, load_question_file(qfile)


def _plan(pipeline, qs, arms="base,rag,lora,lora_rag", lora=True):
    lora_gen = Oracle() if lora else None
    if lora_gen:
        lora_gen.name = "lora:oracle"
    return Plan(
        pipeline,
        qs,
        parse_arms(arms, lora),
        pipeline.generator,
        lora_gen,
        None,
        2,
        lambda arm, p, a: 1000 * (p + a) / 1e6,
    )


def test_every_cell_is_answered_and_scored(workspace):
    pipeline, qs = workspace
    run = run_comparison(_plan(pipeline, qs))
    assert run.status == "complete" and len(run.cells) == 3 * 4
    by = {(c.question_id, c.arm): c for c in run.cells}
    for q in ("c1", "c2", "c3"):
        assert by[(q, "base")].correct == 0.0 and by[(q, "base")].groundedness is None
        assert by[(q, "rag")].correct == 1.0, by[(q, "rag")].answer
        assert by[(q, "rag")].citation_hit == 1.0 and by[(q, "rag")].groundedness == 1.0
    assert (
        by[("c1", "lora_rag")].answer.endswith("[1]")
        and by[("c1", "lora")].backend == "lora:oracle"
    )
    agg = run.aggregates
    assert (
        agg["arms"]["rag"]["correct"]["mean"] == 1.0
        and agg["arms"]["base"]["correct"]["mean"] == 0.0
    )
    assert agg["disagreements"] == 3 and agg["all_fail"] == 0
    # rag and lora_rag both right on 3 questions: too few to tell any arm apart
    head = agg["headline"]
    assert head["best"] == "rag" and not head["apart"]
    assert "lora_rag" in [d["arm"] for d in head["tied"]]
    assert agg["retrieval"]["hit_at_k"]["mean"] == 1.0
    assert all(c.cost_per_1000 and c.cost_per_1000 > 0 for c in run.cells)


def test_both_retrieval_arms_see_the_same_chunks(workspace):
    pipeline, qs = workspace
    plan = _plan(pipeline, qs)
    run_comparison(plan)
    rag_prompts = [p for p in plan.base.prompts if "Context:" in p]
    lora_prompts = [p for p in plan.lora.prompts if "Context:" in p]
    assert rag_prompts == lora_prompts and len(rag_prompts) == 3


def test_a_set_without_references_runs_and_marks_correctness_not_applicable(workspace):
    pipeline, _ = workspace
    run = run_comparison(
        _plan(pipeline, typed_questions(["What is the gate code?"]), "base,rag", lora=False)
    )
    assert [c.correct for c in run.cells] == [None, None]
    assert run.cells[1].groundedness == 1.0  # still measurable without a reference
    assert run.aggregates["headline"] is None


def test_cancel_keeps_the_cells_done(workspace):
    pipeline, qs = workspace
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done, total, what):
        seen.append(done)
        if done >= 3:  # after the first arm's batch
            cancel.set()

    run = run_comparison(_plan(pipeline, qs), progress, cancel)
    assert run.status == "cancelled" and len(run.cells) == 3
    assert {c.arm for c in run.cells} == {"base"} and seen[-1] == 3


def test_the_run_saves_reloads_and_exports(workspace, tmp_path):
    pipeline, qs = workspace
    run = run_comparison(_plan(pipeline, qs, "base,rag", lora=False))
    back = load_run(write_run(run, tmp_path / "out" / "compare.json"))
    assert back.to_dict() == run.to_dict() and back.schema_version == 1
    assert back.question_set["sha256"] == qs.sha256
    rows = list(csv.DictReader(io.StringIO(to_csv(run))))
    assert len(rows) == 6 and {r["arm"] for r in rows} == {"base", "rag"}
    # The Oracle answers from the passages and the base model knows nothing (the test
    # above), so the grid holds exactly the run's scores: 0 for base, 1 for rag.
    assert [(r["arm"], r["correct"]) for r in rows] == [("base", "0.0")] * 3 + [("rag", "1.0")] * 3
    assert rows[0]["reference"] == "07:30"
    write_run(run, tmp_path / "grid.csv")
    assert (tmp_path / "grid.csv").read_text().startswith("question_id,question")


@pytest.mark.parametrize(
    ("arms", "lora", "says"),
    [
        ("base,telepathy", False, "unknown arm 'telepathy'"),
        ("rag,lora", False, "arm 'lora' needs a LoRA adapter"),
        ("", False, "no arms given"),
    ],
)
def test_bad_arms_are_refused(arms, lora, says):
    with pytest.raises(AdvisorError, match=says):
        parse_arms(arms, lora)


def test_an_empty_collection_is_refused(settings, embedder):
    empty = RagPipeline(settings, "cmp-empty", embedder=embedder, generator=Oracle())
    with pytest.raises(AdvisorError, match="is empty"):
        run_comparison(_plan(empty, typed_questions(["q?"]), "base,rag", lora=False))


def test_bad_run_files_are_refused(tmp_path):
    bad = tmp_path / "compare.json"
    bad.write_text("{not json")
    with pytest.raises(AdvisorError, match="not valid JSON"):
        load_run(bad)
    bad.write_text(json.dumps({"rows": [], "cells": [], "schema_version": 99}))
    with pytest.raises(AdvisorError, match="schema_version 99"):
        load_run(bad)
    with pytest.raises(AdvisorError, match=r"use \.json or \.csv"):
        write_run(None, tmp_path / "run.xlsx")  # type: ignore[arg-type]


UNANSWERABLE = """\
name: not in these documents
questions:
  - {id: u1, question: "What is the wifi password in the canteen?", unanswerable: true}
  - {id: u2, question: "How many parking spaces are reserved for visitors?", unanswerable: true}
  - {id: c1, question: "When does the canteen open?", answer: "07:30", documents: [canteen.md]}
"""


def test_unanswerable_questions_measure_abstention_and_hallucination(workspace, tmp_path):
    pipeline, _ = workspace
    qfile = tmp_path / "mixed.yaml"
    qfile.write_text(UNANSWERABLE)
    run = run_comparison(_plan(pipeline, load_question_file(qfile), "base,rag", lora=False))
    rows = {r.id: r for r in run.rows}
    assert rows["u1"].unanswerable and not rows["c1"].unanswerable
    by = {(c.question_id, c.arm): c for c in run.cells}
    # the base arm's fake says "I don't know" without context: it abstains; the Oracle
    # copies a passage for rag, which the trust check either withholds or not
    assert by[("u1", "base")].abstained is True and by[("c1", "base")].abstained is None
    assert by[("u1", "rag")].correct is None  # no reference: not scored for correctness
    arms = run.aggregates["arms"]
    assert arms["base"]["abstention"]["mean"] == 1.0 and arms["base"]["abstention"]["n"] == 2
    rag = [by[(q, "rag")] for q in ("u1", "u2")]
    want = sum(c.abstained for c in rag) / 2
    assert arms["rag"]["abstention"]["mean"] == want
    assert arms["rag"]["hallucination"]["mean"] == 1 - want
    assert all(c.abstained == (c.draft is not None or "know" in c.answer) for c in rag)


def test_a_set_of_only_unanswerable_questions_measures_abstention_and_no_correctness(
    workspace, tmp_path
):
    from advisor.compare.text import render_summary

    pipeline, _ = workspace
    qfile = tmp_path / "none.yaml"
    qfile.write_text("\n".join(UNANSWERABLE.splitlines()[:4]) + "\n")  # u1, u2 only
    run = run_comparison(_plan(pipeline, load_question_file(qfile), "base,rag", lora=False))
    assert all(r.unanswerable and r.reference is None for r in run.rows)
    assert all(c.correct is None for c in run.cells)  # nothing to be right about
    arms = run.aggregates["arms"]
    assert arms["base"]["abstention"]["n"] == 2 and arms["rag"]["abstention"]["n"] == 2
    text = render_summary(run)
    assert "No reference answers: correctness is not applicable" in text
    assert "%" in text.split("No reference answers")[0]  # the abstention figures are there


def test_a_one_arm_run_says_paired_figures_do_not_apply(workspace):
    from advisor.compare.text import render_summary

    pipeline, qs = workspace
    run = run_comparison(_plan(pipeline, qs, "rag", lora=False))
    assert run.aggregates["paired"] == {}
    assert "Paired differences: not applicable (this run has one arm)." in render_summary(run)
    two = run_comparison(_plan(pipeline, qs, "base,rag", lora=False))
    diff = two.aggregates["paired"]["base-rag"]["all"]
    assert diff == {"n": 3, "a_only": 0, "b_only": 3, "applicable": False,
                    "why": "only 3 paired questions (need 5)"}  # fmt: skip
    assert "base minus rag: not applicable: only 3 paired questions" in render_summary(two)


def test_retrieval_is_measured_apart_from_the_reader(workspace):
    from advisor.compare.text import render_summary, retrieval_and_reader

    pipeline, qs = workspace
    run = run_comparison(_plan(pipeline, qs, "base,rag", lora=False))
    # k=2 over three one-fact documents: each question's chunk is retrieved with its fact
    assert [r.context_recall for r in run.rows] == [1.0, 1.0, 1.0]
    assert run.aggregates["retrieval"]["context_recall"]["mean"] == 1.0
    assert run.aggregates["arms"]["rag"]["reader_correct"]["mean"] == 1.0  # the Oracle reads
    assert run.aggregates["arms"]["base"]["reader_correct"]["mean"] == 0.0
    sentence = retrieval_and_reader(run)
    assert sentence == (
        "Retrieval put the answer in front of the model for 3 of 3 questions; "
        "the model (rag) used it for 3."
    )
    assert sentence in render_summary(run)
    # a reader that ignores its context: the same retrieval, the reader is the bottleneck
    for c in run.cells:
        if c.arm == "rag":
            c.correct = 0.0
    assert "the reader is the bottleneck" in retrieval_and_reader(run)


class Rambler:
    """A fake small model that goes on after its first answer, as SmolLM2 does: it reads
    every passage out in turn after a right answer, or, for the gate, answers beside the
    point first and states the code only after a blank line."""

    name = "rambler"

    def generate(self, messages, max_new_tokens=96):
        user = messages[-1]["content"]
        lines = [line for line in user.split("\n") if line[:1] == "["]
        if "gate" in user.split("\n")[0]:
            text = "The gate code is for the loading-dock gate [1].\n\nIt is 4711."
            return Generation(text, self.name, 30, 0.1)
        fact = lines[0].split("] ", 1)[-1]
        return Generation(f"[1] {fact}\n" + "\n".join(lines[1:]), self.name, 30, 0.1)


def test_cells_are_scored_on_the_answer_shown_not_on_the_ramble_after_it(
    settings, embedder, tmp_path
):
    pipeline = RagPipeline(settings, "cmp-ramble", embedder=embedder, generator=Rambler())
    pipeline.ingest_bytes([(n, t.encode()) for n, t in DOCS.items()])
    qfile = tmp_path / "questions.yaml"
    qfile.write_text(QUESTIONS)
    run = run_comparison(_plan(pipeline, load_question_file(qfile), "rag", lora=False))
    by = {c.question_id: c for c in run.cells}
    # the first answer is right and shown; the passages read out after it are not an echo
    assert by["c1"].answer.startswith("[1] The canteen opens at 07:30")
    assert by["c1"].echo is None and by["c1"].correct == 1.0
    # the right code stands only in the ramble the user never sees: no credit
    assert by["c2"].draft is None and "4711" not in by["c2"].answer
    assert by["c2"].correct == 0.0
