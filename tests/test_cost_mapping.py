"""The answers-to-cost-inputs mapping is data in the rules folder, checked by check-rules."""

from __future__ import annotations

import json

from conftest import run_cli

from advisor.advice import cost_inputs, load_folder
from advisor.costs.inputs import CostInputs


def _rename(folder, old: str, new: str) -> None:
    for name in ("questions.yaml", "decision.yaml", "cost_inputs.yaml"):
        path = folder / name
        path.write_text(path.read_text().replace(old, new))


def test_the_built_in_mapping_sets_inputs_from_answers(rules):
    inp = cost_inputs(
        rules,
        {
            "needs_external_data": True,
            "knowledge_change": "daily",
            "corpus_documents": 1234,
            "current_plan": "fine_tune",
            "fine_tune_method": "qlora",
        },
    )
    assert inp.documents == 1234 and inp.updates_per_month == 30
    assert inp.method == "qlora" and inp.knowledge_in_weights is True
    # Unanswered or undecided answers leave the cost model's own defaults.
    assert cost_inputs(rules, {"fine_tune_method": "undecided"}).method == CostInputs().method


def test_a_renamed_question_breaks_check_rules_until_the_mapping_follows(rules_copy, tmp_path):
    # A user's own rules folder renames a question in the questionnaire and the rules but
    # forgets the cost mapping: check-rules says where, instead of silently pricing defaults.
    for name in ("questions.yaml", "decision.yaml"):
        path = rules_copy / name
        path.write_text(path.read_text().replace("corpus_documents", "document_count"))
    result = run_cli("check-rules", "--rules", str(rules_copy))
    assert result.returncode == 2
    assert "cost_inputs.yaml:" in result.stderr
    assert "inputs.documents[0].from" in result.stderr
    assert "'corpus_documents' is not a question" in result.stderr

    path = rules_copy / "cost_inputs.yaml"
    path.write_text(path.read_text().replace("corpus_documents", "document_count"))
    assert run_cli("check-rules", "--rules", str(rules_copy)).returncode == 0
    answers = tmp_path / "a.yaml"
    answers.write_text("needs_external_data: true\ndocument_count: 4321\n")
    out = run_cli("costs", str(answers), "--json", "--rules", str(rules_copy))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["inputs"]["documents"] == 4321


def test_a_mapping_value_that_does_not_fit_its_input_is_named(rules_copy):
    path = rules_copy / "cost_inputs.yaml"
    path.write_text(path.read_text().replace("value: self_hosted", "value: on_a_raspberry_pi"))
    result = run_cli("check-rules", "--rules", str(rules_copy))
    assert result.returncode == 2
    line = next(ln for ln in result.stderr.splitlines() if "on_a_raspberry_pi" in ln)
    assert line.startswith("error: ") and "cost_inputs.yaml:" in line
    assert "inputs.tuned_serving[0].value" in line


def test_a_mapping_condition_is_checked_like_a_rule(rules_copy):
    path = rules_copy / "cost_inputs.yaml"
    path.write_text(path.read_text().replace("eq: daily}", "eq: hourly}"))
    problems = str(_problems(rules_copy))
    assert "inputs.updates_per_month[5].when.eq" in problems and "hourly" in problems


def test_unknown_input_names_the_known_ones(rules_copy):
    path = rules_copy / "cost_inputs.yaml"
    path.write_text(path.read_text().replace("  monthly_queries:\n", "  queries_a_month:\n"))
    problems = str(_problems(rules_copy))
    assert "unknown cost input 'queries_a_month'" in problems and "monthly_queries" in problems


def _problems(folder):
    from advisor.errors import InputError

    try:
        load_folder(folder)
    except InputError as exc:
        return exc.problems
    raise AssertionError("the broken folder loaded")
