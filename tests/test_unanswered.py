"""Advice from partial answers: unanswered is not "no", constraints rule options out,
flips are one per answer and direction, and the next questions are worth asking."""

import re

import pytest
from conftest import run_cli

from advisor.advice import recommend
from advisor.decision.engine import evaluate
from advisor.decision.flips import candidate_values
from advisor.decision.text import render_text

FEASIBILITY = ("labelled_examples", "model_access", "training_budget", "team_ml_experience")


def _single_answers(rules):
    """Every answer set that states exactly one answer (every value of every question)."""
    for q in rules.questionnaire.questions:
        values = [[v] for v in q.values] if q.type == "multi" else candidate_values(rules, q)
        for v in values:
            yield {q.id: v}


def test_nothing_answered_holds_nothing_against_anyone(rules):
    rec = recommend(rules, {})
    assert rec.fired == [] and rec.warnings == [] and rec.ruled_out == []
    assert rec.by_origin("given") == [] and rec.by_origin("implied") == []
    text = render_text(rec)
    assert "You said (0): nothing yet" in text
    # every flip and next question speaks of what the user has not said yet
    assert rec.flips and all(f.text.startswith("You did not say") for f in rec.flips)


def test_no_explanation_states_an_unanswered_question_as_an_answer(rules):
    """Walk every rule over every one-answer set: a reason may only quote an answer the
    user gave or one it implies; an unanswered question is only ever 'not answered'."""
    for given in _single_answers(rules):
        rec = evaluate(rules, given)
        stated = {a.question for a in rec.answers if a.origin in ("given", "implied")}
        for item in [*rec.fired, *rec.ruled_out]:
            for line in item.because:
                q = line.split(" ", 1)[0]
                assert q in stated or line == f"{q} is not answered", (given, item.title, line)
        for w in rec.warnings:
            assert all(line.split(" ", 1)[0] in stated or "not answered" in line
                       for line in w.because), (given, w.title)  # fmt: skip


def test_unanswered_feasibility_never_penalises_fine_tuning(rules):
    strict = recommend(rules, {"behaviour_needs": ["strict_format"]})
    assert strict.recommendation == "fine_tune" and strict.ruled_out == []
    questions = {e.question for f in strict.fired for e in f.answers}
    assert not questions & set(FEASIBILITY)
    # once said, the same facts do count
    said = recommend(rules, {"behaviour_needs": ["strict_format"], "model_access": "api_only"})
    assert said.recommendation != "fine_tune"
    assert {r.option for r in said.ruled_out} == {"fine_tune", "hybrid"}
    assert said.ruled_out[0].source.quote  # with the seed passage that rules it out


def test_a_ruled_out_option_never_wins_whatever_it_scores(rules):
    huge = {
        "behaviour_needs": ["strict_format", "tone_persona", "domain_skills", "structured_task"],
        "failure_mode": "behaviour",
        "prompt_engineering_tried": "failed_on_test_set",
        "latency_budget_ms": 50,
        "monthly_queries": 50_000_000,
        "training_budget": "none",
    }
    rec = recommend(rules, huge)
    assert rec.raw_scores["fine_tune"] > rec.raw_scores[rec.recommendation]
    assert rec.recommendation not in ("fine_tune", "hybrid")
    assert rec.scores["fine_tune"] == 0 and rec.ranking[-2:] == ["fine_tune", "hybrid"]
    assert "Ruled out by your answers" in render_text(rec)


def test_implied_answers_are_marked_and_overridable(rules):
    rec = recommend(rules, {"prompt_engineering_tried": "failed_on_test_set"})
    row = next(a for a in rec.answers if a.question == "golden_eval_set")
    assert row.origin == "implied" and "test set" in row.reason
    assert "no_evaluation_framework" not in {w.id for w in rec.warnings}
    assert not any("test set first" in s.text for s in rec.next_steps)


def test_flips_are_one_per_answer_and_direction_at_the_nearest_threshold(rules):
    given = {"behaviour_needs": ["strict_format"], "labelled_examples": 20}
    rec = recommend(rules, given)
    assert rec.recommendation == "prompt_engineering"  # too few pairs rules training out
    pairs = [f for f in rec.flips if f.question == "labelled_examples"]
    assert len(pairs) == 1 and pairs[0].value == 50 and pairs[0].recommendation == "fine_tune"
    assert "50 pairs or more instead of 20 pairs" in pairs[0].text
    for f in rec.flips:  # every flip does what it says
        assert recommend(rules, {**given, f.question: f.value}).recommendation == f.recommendation
    keys = [(f.question, f.value if f.question != "labelled_examples" else "up") for f in rec.flips]
    assert len(keys) == len(set(map(str, keys)))


def test_an_unanswered_number_flips_as_a_range(rules):
    rec = recommend(rules, {"behaviour_needs": ["strict_format"]})
    pairs = [f for f in rec.flips if f.question == "labelled_examples"]
    assert [f.shown for f in pairs] == ["49 pairs or less"]
    assert pairs[0].text.startswith("You did not say")


def test_the_next_questions_can_change_the_verdict_and_are_unanswered(rules):
    given = {"failure_mode": "knowledge", "behaviour_needs": ["tone_persona"]}
    rec = recommend(rules, given)
    assert rec.next_questions
    for n in rec.next_questions:
        assert n.question not in given and 0 < n.share <= 1
        q = rules.questionnaire.by_id()[n.question]
        tries = [[v] for v in q.values] if q.type == "multi" else candidate_values(rules, q)
        outcomes = {recommend(rules, {**given, q.id: v}).recommendation for v in tries}
        assert set(n.could_become) == outcomes - {rec.recommendation}
    shares = [n.share for n in rec.next_questions]
    assert shares == sorted(shares, reverse=True)


def test_a_tie_is_reported_as_a_tie(tiny_rules):
    from advisor.decision.loader import load_rules

    rules = load_rules(tiny_rules)
    rec = evaluate(rules, {"size": 10})  # rag 1, fine_tune 1
    assert sorted(rec.tie) == ["fine_tune", "rag"]
    assert "TIE: RAG and Fine-tuning fit these answers equally well" in render_text(rec)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_advise_with_three_answers_names_given_assumed_unknown_and_next(tmp_path, fmt):
    path = tmp_path / "three.yaml"
    path.write_text(
        "failure_mode: knowledge\nbehaviour_needs: [strict_format]\nmonthly_queries: 200000\n"
    )
    result = run_cli("advise", str(path), *(["--json"] if fmt == "json" else []))
    assert result.returncode == 0, result.stderr
    if fmt == "json":
        import json

        data = json.loads(result.stdout)
        given = [a["question"] for a in data["answers"] if a["origin"] == "given"]
        assert sorted(given) == ["behaviour_needs", "failure_mode", "monthly_queries"]
        assert {a["question"] for a in data["answers"] if a["origin"] == "assumed"} >= {
            "latency_budget_ms"
        }
        assert data["next_questions"] and data["recommendation"] == "hybrid"
        return
    out = result.stdout
    assert re.search(r"You said \(3\): failure_mode = .*monthly_queries = 200,000", out)
    assert "Implied: needs_external_data = yes" in out
    assert "Assumed for the cost estimate only" in out and "latency_budget_ms = 3,000 ms" in out
    assert "Not answered (" in out and "labelled_examples" in out
    assert "Answer these next: they can change the result" in out
