"""Cost evidence feeds back into the recommendation through derived facts and rules."""

from conftest import run_cli

from advisor.advice import bind_facts, price_sheet, recommend
from advisor.decision.engine import evaluate
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
    rec = evaluate(rules, HIGH_VOLUME_STABLE, bind_facts(rules))
    rows = {r.question: r for r in rec.answers}
    assert rows["fine_tune_vs_rag"].value == "cheaper"
    assert rows["fine_tune_vs_rag"].origin == "derived"
    assert "cost_fine_tune_cheaper_at_volume" in {f.rule for f in rec.fired}


def test_fact_follows_the_volume(rules):
    # Same situation at low volume: the self-hosted GPU is idle, RAG on an API is cheaper.
    rec = evaluate(rules, {**HIGH_VOLUME_STABLE, "monthly_queries": 10_000}, bind_facts(rules))
    rows = {r.question: r.value for r in rec.answers}
    assert rows["fine_tune_vs_rag"] == "dearer"


def test_facts_cannot_be_answered(rules):
    _, problems = validate_answers(rules.questionnaire, {"fine_tune_vs_rag": "cheaper"})
    assert "derived from the other answers" in problems[0].message


def test_without_a_price_sheet_facts_stay_unknown(rules_copy):
    (rules_copy / "prices.yaml").unlink()
    rs = load_rules(rules_copy)
    rec = recommend(rs, HIGH_VOLUME_STABLE)
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


def test_the_verdict_uses_the_prices_it_is_given(rules):
    # The same answers with the GPU-hour price raised a hundredfold: the fact and the rule
    # on it follow the edited sheet, not the one the rules folder shipped with.
    dear = price_sheet(rules, assignments=[f"gpu_per_hour.{g}=400" for g in ("a100", "h100", "l4")])
    rec = recommend(rules, HIGH_VOLUME_STABLE, prices=dear)
    rows = {r.question: r.value for r in rec.answers}
    assert rows["fine_tune_vs_rag"] == "dearer"
    assert "cost_fine_tune_cheaper_at_volume" not in {f.rule for f in rec.fired}


def test_advise_honours_set_prices_on_the_command_line(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("".join(f"{k}: {str(v).lower()}\n" for k, v in HIGH_VOLUME_STABLE.items()))
    cheap = run_cli("advise", str(answers), "--json")
    dear = run_cli(
        "advise",
        str(answers),
        "--json",
        *[a for g in ("a100", "h100", "l4") for a in ("--set", f"gpu_per_hour.{g}=400")],
    )
    assert cheap.returncode == 0 and dear.returncode == 0, dear.stderr
    assert "cost_fine_tune_cheaper_at_volume" in cheap.stdout
    assert "cost_fine_tune_cheaper_at_volume" not in dear.stdout
