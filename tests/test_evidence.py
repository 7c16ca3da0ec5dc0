"""Measured evidence into the verdict: a small hand-made comparison run moves it, the
explanation names the measurement, flips cover measured facts, and the report shows it."""

import json

import pytest
from conftest import run_cli

from advisor.advice import recommend
from advisor.compare.evidence import change_facts
from advisor.compare.run import Cell, ComparisonRun, Row
from advisor.compare.summary import summarise
from advisor.decision.text import render_text
from advisor.report.model import build_report
from advisor.report.render import to_markdown

# A stable domain with documents: without a measurement the seeds favour fine-tuning.
STABLE = {"needs_external_data": True, "knowledge_change": "never"}


def hand_made_run(n: int = 12, lora_right: int = 1, rag_right: int = 10, text: str = "q"):
    """n unseen questions whose retrieved chunks all held the answer; the adapter gets
    `lora_right` right, RAG `rag_right`."""
    rows = [Row(f"q{i}", f"{text} {i}", f"{text} answer {i}", ["doc.md"], relation="unseen",
                hit=1.0, rr=1.0, context_recall=1.0) for i in range(n)]  # fmt: skip
    cells = []
    for i, row in enumerate(rows):
        for arm, right in (("base", 0), ("rag", rag_right), ("lora", lora_right)):
            ok = 1.0 if i < right else 0.0
            cells.append(Cell(row.id, arm, f"{text} said {arm}", "fake", 0.5, 10, correct=ok))
    run = ComparisonRun(["base", "rag", "lora"], rows, cells, collection=text,
                        models={"base": text}, adapter={"run_id": text, "data_hash": text,
                                                        "tokens_per_second": 250.0},
                        question_set={"name": text, "sha256": text})  # fmt: skip
    run.aggregates = summarise(run)
    return run


def test_the_facts_of_a_hand_made_run_are_hand_computed():
    facts = change_facts(hand_made_run())
    assert facts["questions_scored"] == 12 and facts["retrieval_hit_at_k"] == 1.0
    assert facts["lora_correct_unseen"] == round(1 / 12, 4)
    assert facts["rag_correct_unseen"] == round(10 / 12, 4)
    assert facts["lora_gain_unseen"] == round(1 / 12, 4)  # base got none right


def test_a_measured_fact_changes_the_verdict_and_the_explanation_says_so(rules):
    before = recommend(rules, STABLE)
    assert before.recommendation == "fine_tune"
    after = recommend(rules, STABLE, evidence=change_facts(hand_made_run()))
    assert after.recommendation == "rag"
    fired = {f.rule: f for f in after.fired}
    rule = fired["measured_rag_beats_adapter_on_new_questions"]
    assert rule.title.startswith("Measured:")
    assert "lora_correct_unseen = 0.0833 (< 0.3)" in rule.because
    text = render_text(after)
    assert (
        "Measured: retrieval found the answers to unseen questions, the adapter stated few" in text
    )
    # the flips say which measurement would change it back, and how far off it is
    measured = [f for f in after.flips if f.text.startswith("Measured:")]
    assert any(f.question == "lora_correct_unseen" and f.recommendation == "fine_tune"
               and "30% or more (it measured 8%)" in f.text for f in measured)  # fmt: skip


def test_a_run_where_the_adapter_does_well_does_not_move_the_verdict(rules):
    good = change_facts(hand_made_run(lora_right=10))
    assert recommend(rules, STABLE, evidence=good).recommendation == "fine_tune"


def test_advise_and_report_read_a_saved_run(tmp_path):
    run = hand_made_run()
    saved = run.save(tmp_path / "compare.json")
    answers = tmp_path / "a.yaml"
    answers.write_text("needs_external_data: true\nknowledge_change: never\n")
    plain = run_cli("advise", str(answers), "--json")
    measured = run_cli("advise", str(answers), "--evidence", str(saved), "--json")
    assert plain.returncode == measured.returncode == 0, measured.stderr
    assert json.loads(plain.stdout)["recommendation"] == "fine_tune"
    data = json.loads(measured.stdout)
    assert data["recommendation"] == "rag"
    origins = {a["question"]: a["origin"] for a in data["answers"]}
    assert origins["lora_correct_unseen"] == "derived"
    out = tmp_path / "r.json"
    done = run_cli("report", str(answers), "--evidence", str(saved), "--out", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["schema_version"] == 2
    assert report["recommendation"]["recommendation"] == "rag"  # one run, one verdict
    assert report["comparison"]["evidence"]["lora_correct_unseen"] == round(1 / 12, 4)
    assert report["comparison"]["arms"]["rag"]["correct"]["mean"] == round(10 / 12, 4)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    broken = run_cli("advise", str(answers), "--evidence", str(bad))
    assert broken.returncode == 2 and broken.stderr.count("\n") == 1 and "bad.json" in broken.stderr


def test_markdown_report_shows_the_comparison(rules):
    report = build_report(rules, STABLE, comparison=hand_made_run())
    md = to_markdown(report)
    assert "## Side by side on your documents" in md
    assert "| LoRA fine-tune alone | 8% (" in md and "Where the arms disagree" in md
    assert "Measured: retrieval found the answers to unseen questions, the adapter stated few" in md
    # the adapter's measured training throughput, scaled to the answers' training size
    assert "÷ 250.0 tokens/s measured by run q =" in md and "the price sheet's lora rate" in md


def test_measured_training_hours_are_hand_computed(rules):
    from advisor.advice import cost_inputs, folder_prices
    from advisor.costs.measured import measured_training

    inp = cost_inputs(rules, {}, training_examples=1000, tokens_per_example=500, epochs=2)
    m = measured_training(inp, folder_prices(rules), "run-1", 250.0)
    assert m["tokens"] == 1_000_000 and m["hours_here"] == round(1_000_000 / 250 / 3600, 2)
    assert "run run-1" in m["formula"]


def test_a_cancelled_run_is_refused_by_the_cost_projection(rules):
    """A run cut short measured a partial run, not a training run: no monthly hours, no
    evidence rate and no report projection come from it."""
    from advisor.advice import cost_inputs, folder_prices
    from advisor.compare.evidence import change_facts
    from advisor.compare.run import ComparisonRun
    from advisor.costs.measured import measured_training
    from advisor.llm.adapters import partial_note

    run = {"status": "cancelled", "steps": 3, "params": {"max_steps": None}}
    note = partial_note(run)
    assert note == "partial: cancelled after 3 steps"
    inp = cost_inputs(rules, {})
    with pytest.raises(ValueError, match="partial: cancelled"):
        measured_training(inp, folder_prices(rules), "run-1", 250.0, partial=note)
    card = {"run_id": "run-1", "tokens_per_second": 250.0, "partial": note}
    assert "train_tokens_per_second" not in change_facts(ComparisonRun(["base"], [], adapter=card))
    assert partial_note({"status": "complete"}) == ""
