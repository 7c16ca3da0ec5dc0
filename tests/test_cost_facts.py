"""Cost evidence feeds back into the recommendation through derived facts and rules."""

from conftest import run_cli

from advisor.decision.engine import advise, evaluate
from advisor.decision.loader import load_rules
from advisor.decision.questions import validate_answers

HIGH_VOLUME_STABLE = {
    "needs_external_data": True,
    "knowledge_change": "never",
    "monthly_queries": 30_000_000,
    "latency_budget_ms": 150,
    "model_access": "open_weights",
    "training_budget": "large",
    "team_ml_experience": "strong",
}


def test_facts_are_derived_and_shown_with_the_answers(rules):
    rec = evaluate(rules, HIGH_VOLUME_STABLE)
    rows = {r.question: r for r in rec.answers}
    assert rows["fine_tune_vs_rag"].value == "cheaper"
    assert rows["fine_tune_vs_rag"].origin == "derived"
    assert "cost_fine_tune_cheaper_at_volume" in {f.rule for f in rec.fired}


def test_fact_follows_the_volume(rules):
    # Same situation at low volume: the self-hosted GPU is idle, RAG on an API is cheaper.
    rec = evaluate(rules, {**HIGH_VOLUME_STABLE, "monthly_queries": 10_000})
    rows = {r.question: r.value for r in rec.answers}
    assert rows["fine_tune_vs_rag"] == "dearer"


def test_facts_cannot_be_answered(rules):
    _, problems = validate_answers(rules.questionnaire, {"fine_tune_vs_rag": "cheaper"})
    assert "derived from the other answers" in problems[0].message


def test_without_a_price_sheet_facts_stay_unknown(rules_copy):
    (rules_copy / "prices.yaml").unlink()
    rs = load_rules(rules_copy)
    rec = advise(rs, HIGH_VOLUME_STABLE)
    rows = {r.question: r for r in rec.answers}
    assert rows["fine_tune_vs_rag"].value is None
    assert "cost_fine_tune_cheaper_at_volume" not in {f.rule for f in rec.fired}


def test_a_broken_price_sheet_is_reported_by_advise(rules_copy, tmp_path):
    path = rules_copy / "prices.yaml"
    path.write_text(path.read_text().replace("value: 1.79", "value: -1.79"))
    answers = tmp_path / "a.yaml"
    answers.write_text("{}\n")
    result = run_cli("advise", str(answers), "--rules", str(rules_copy))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "prices.yaml:" in result.stderr and "gpu_per_hour.a100.value" in result.stderr


def test_facts_are_never_asked(rules_copy, tmp_path):
    path = rules_copy / "questions.yaml"
    path.write_text(
        path.read_text().replace(
            "  - id: fine_tune_vs_rag\n",
            "  - id: fine_tune_vs_rag\n    ask_when: {question: compliance, eq: true}\n",
        )
    )
    answers = tmp_path / "a.yaml"
    answers.write_text("{}\n")
    result = run_cli("advise", str(answers), "--rules", str(rules_copy))
    assert result.returncode == 2 and "facts are derived, never asked" in result.stderr
