"""The measured facts of a comparison run, on a small hand-made run (numbers by hand)."""

from __future__ import annotations

import pytest

from advisor.compare.change.result import forget_measures, update_measures
from advisor.compare.evidence import FACTS, change_facts
from advisor.compare.run import Cell, ComparisonRun, Row


def _cells(arm: str, marks: dict[str, float | None]) -> list[Cell]:
    return [Cell(q, arm, "answer", "fake", 0.1, 3, correct=m) for q, m in marks.items()]


def _change(kind: str, status: str, arms: dict[str, dict]) -> dict:
    return {"kind": kind, "documents": ["d1.md"], "started_at": "", "status": status, "arms": arms}


def hand_made_run() -> ComparisonRun:
    rows = [
        Row("q1", "Q1?", "a", ["d1.md"], relation="trained", hit=1.0),
        Row("q2", "Q2?", "b", ["d2.md"], relation="unseen", hit=0.0),
        Row("q3", "Q3?", "c", ["d1.md"], relation="paraphrase", hit=1.0),
        Row("q4", "Q4?", None, [], relation="unseen"),  # no reference, no documents
    ]
    cells = [
        *_cells("base", {"q1": 0.0, "q2": 0.0, "q3": 0.0, "q4": None}),
        *_cells("rag", {"q1": 1.0, "q2": 0.0, "q3": 1.0, "q4": None}),
        *_cells("lora", {"q1": 1.0, "q2": 1.0, "q3": 0.0, "q4": None}),
    ]
    changes = [
        _change(
            "update", "complete", {"lora": {"n": 4, "old_share": 0.25, "stale_of_known": 0.25}}
        ),
        _change("forget", "complete", {"lora": {"leak_of_known": 1.0}, "rag": {"leak_rate": 0.5}}),
        # the newest: of the facts the adapter knew, 3 in 4 stayed old; a forget leaked half
        _change("update", "complete", {"lora": {"n": 4, "old_share": 0.5, "stale_of_known": 0.75}}),
        _change("forget", "complete", {"lora": {"leak_of_known": 0.5}, "rag": {"leak_rate": 0.0}}),
        _change("update", "cancelled", {}),  # cancelled: not a measurement
    ]
    return ComparisonRun(
        ["base", "rag", "lora"], rows, cells,
        adapter={"run_id": "r", "tokens_per_second": 1234.5}, changes=changes,
    )  # fmt: skip


def test_every_fact_by_hand():
    facts = change_facts(hand_made_run())
    assert facts == {
        "retrieval_hit_at_k": pytest.approx(2 / 3, abs=1e-4),  # q1, q3 hit; q2 missed
        "rag_correct": pytest.approx(2 / 3, abs=1e-4),  # q1, q3 of q1-q3
        "base_correct": 0.0,  # measured, and zero: present, not dropped
        "lora_correct_unseen": 0.5,  # q2 right, q3 wrong (q1 trained is left out)
        "rag_correct_unseen": 0.5,  # q2 wrong, q3 right
        "lora_gain_unseen": 0.5,  # (1 - 0 + 0 - 0) / 2
        "stale_facts_share": 0.75,  # the newest complete update
        "forget_leak_rate": 0.5,  # the newest forget
        "forget_rag_leak_rate": 0.0,
        "train_tokens_per_second": 1234.5,
        "questions_scored": 3.0,
        "retrieval_hit_at_k_high": 1.0,  # the bootstrap's upper end over hits 1, 0, 1
    }
    # the paired figures need 5 paired unseen rows (2 here), and the change intervals the
    # changes' answers (none in this hand-made run): absent, so no rule can act on them
    assert set(FACTS) - set(facts) == {
        "rag_minus_lora_unseen_low", "rag_minus_lora_unseen_high", "rag_minus_lora_unseen_n",
        "lora_minus_base_unseen_low", "lora_minus_base_unseen_high", "lora_minus_base_unseen_n",
        "stale_facts_share_low", "forget_leak_rate_low",
        # no retrieved chunks in this run: retrieval apart from the reader is not measured
        "context_recall", "context_recall_high", "rag_reader_correct", "rag_reader_correct_high",
        "context_recall_unseen", "retrieval_minus_lora_unseen_low",
        "retrieval_minus_lora_unseen_high", "retrieval_minus_lora_unseen_n",
    }  # fmt: skip


def test_what_a_run_cannot_measure_is_absent():
    run = hand_made_run()
    run.arms, run.cells = ["base"], [c for c in run.cells if c.arm == "base"]
    run.adapter, run.changes = None, []
    for r in run.rows:
        r.hit = None
    assert change_facts(run) == {"base_correct": 0.0, "questions_scored": 3.0}


def test_measures_count_by_hand():
    before = [
        {"question_id": "q1", "arm": "rag", "old_stated": True, "new_stated": False},
        {"question_id": "q2", "arm": "rag", "old_stated": True, "new_stated": False},
        {"question_id": "q1", "arm": "lora", "old_stated": True, "new_stated": False},
        {"question_id": "q2", "arm": "lora", "old_stated": False, "new_stated": False},
    ]
    after = [
        {"question_id": "q1", "arm": "rag", "old_stated": False, "new_stated": True, "at": 3.5},
        {"question_id": "q2", "arm": "rag", "old_stated": False, "new_stated": True, "at": 2.0},
        {"question_id": "q1", "arm": "lora", "old_stated": True, "new_stated": True, "at": 9.0},
        {"question_id": "q2", "arm": "lora", "old_stated": True, "new_stated": False, "at": 9.0},
    ]
    m = update_measures(["rag", "lora"], before, after)
    assert m["rag"]["seconds_to_first_correct"] == 2.0 and m["rag"]["new_share"] == 1.0
    assert m["rag"]["before_old_stated"] == 2 and m["rag"]["old_share"] == 0.0
    # "45 or 30 days" states both: it counts as old stated, not as stale
    assert (m["lora"]["old_stated"], m["lora"]["stale"], m["lora"]["new_stated"]) == (2, 1, 1)
    assert m["lora"]["old_share"] == 1.0 and m["lora"]["stale_share"] == 0.5
    # against what it knew: it stated q1 before, never q2 (not learned, so not "stale")
    assert (m["lora"]["knew"], m["lora"]["not_learned"]) == (1, 1)
    assert (m["lora"]["knew_still_old"], m["lora"]["knew_new"]) == (0, 1)  # q1 now both
    assert m["lora"]["stale_of_known"] == 0.0
    gone = [
        {"question_id": "q1", "arm": "rag", "old_stated": False, "doc_chunks": 0},
        {"question_id": "q2", "arm": "rag", "old_stated": None, "doc_chunks": 0},
        {"question_id": "q1", "arm": "lora", "old_stated": True, "doc_chunks": None},
    ]
    was = [
        {"question_id": "q1", "arm": "rag", "old_stated": True, "doc_chunks": 2},
        {"question_id": "q2", "arm": "rag", "old_stated": None, "doc_chunks": 3},
    ]
    f = forget_measures(["rag", "lora"], was, gone)
    assert f["rag"] == {
        "n": 1, "asked": 2, "stated_before": 1, "stated_after": 0, "leak_rate": 0.0,
        "chunks_before": 5, "chunks_after": 0,
        "knew": 1, "not_learned": 0, "leaked": 0, "leak_of_known": 0.0,
    }  # fmt: skip
    assert f["lora"]["leak_rate"] == 1.0 and f["lora"]["chunks_after"] is None
    # the adapter was not asked before: it knew nothing, so nothing is counted as leaked
    assert f["lora"]["knew"] == 0 and f["lora"]["leak_of_known"] is None


def _unseen_run(n: int) -> ComparisonRun:
    """n unseen questions: retrieval holds each answer and RAG states it, the adapter none."""
    rows = [
        Row(f"q{i}", f"Q{i}?", "a", ["d.md"], relation="unseen", hit=1.0, context_recall=1.0)
        for i in range(n)
    ]
    cells = [
        *_cells("rag", {r.id: 1.0 for r in rows}),
        *_cells("lora", {r.id: 0.0 for r in rows}),
        *_cells("base", {r.id: 0.0 for r in rows}),
    ]
    return ComparisonRun(["base", "rag", "lora"], rows, cells)


def test_a_measured_rule_fires_on_an_interval_clear_of_zero_and_not_on_too_few_questions():
    from conftest import ROOT

    from advisor.advice import load_folder, recommend

    rules = load_folder(ROOT / "rules").rules
    answers = {"knowledge_change": "never", "needs_external_data": True}
    rule = "measured_rag_beats_adapter_on_new_questions"
    many = change_facts(_unseen_run(12))
    assert many["rag_minus_lora_unseen_low"] == 1.0 and many["rag_minus_lora_unseen_n"] == 12
    assert many["retrieval_minus_lora_unseen_low"] == 1.0
    assert many["retrieval_minus_lora_unseen_n"] == 12 and many["context_recall_unseen"] == 1.0
    fired = recommend(rules, answers, evidence=many)
    assert rule in [f.rule for f in fired.fired]
    # the same shares (RAG 100%, the adapter 0%) on 4 questions: no interval, no rule
    few = change_facts(_unseen_run(4))
    assert few["rag_correct_unseen"] == 1.0 and few["lora_correct_unseen"] == 0.0
    assert "rag_minus_lora_unseen_low" not in few
    assert "retrieval_minus_lora_unseen_low" not in few
    assert rule not in [f.rule for f in recommend(rules, answers, evidence=few).fired]


def test_a_measured_rule_reads_a_lower_bound_that_two_facts_cannot_make_certain():
    from advisor.compare.evidence import _low

    cells = [{"arm": "lora", "old_stated": True, "question_id": q} for q in ("q1", "q2")]
    low = _low(cells, lambda c: bool(c.get("old_stated")))
    # 2 of 2 stale: a bootstrap resamples to 100%; Wilson's lower end is about a third
    assert 0.3 < low < 0.4, low
