import json

import pytest
from conftest import run_cli


def test_questions_json_lists_every_question_with_its_shape():
    result = run_cli("questions", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    ids = [q["id"] for q in data["questions"]]
    assert "failure_mode" in ids and len(ids) == len(set(ids))
    follow_up = next(q for q in data["questions"] if q["id"] == "knowledge_change")
    assert follow_up["ask_when"] == {"question": "needs_external_data", "eq": True}
    number = next(q for q in data["questions"] if q["id"] == "monthly_queries")
    assert number["type"] == "number" and number["min"] == 0


def test_questions_text():
    result = run_cli("questions")
    assert result.returncode == 0
    assert "knowledge_change  (follow-up)" in result.stdout


def test_advise_json_contract(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(
        "failure_mode: both\nneeds_external_data: true\nbehaviour_needs: [strict_format]\n"
        "model_access: open_weights\ntraining_budget: small\nlabelled_examples: 900\n"
    )
    result = run_cli("advise", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["recommendation"] == "hybrid"
    assert data["ranking"] == ["hybrid", "fine_tune", "rag", "prompt_engineering"]
    assert set(data["scores"]) == set(data["ranking"])
    assert sorted(data["scores"], key=data["scores"].get, reverse=True) == data["ranking"]
    assert sum(data["scores"].values()) == pytest.approx(1, abs=1e-3)
    assert [f["rule"] for f in data["fired"]] == [
        "tree_external_data",
        "tree_external_plus_format",
        "failure_both",
        "valid_json",
        "inconsistent_format",
        "training_feasible",
        "enough_examples",
    ]
    for f in data["fired"]:  # each fired rule says why and what it weighs
        assert f["because"] and f["evidence"] and f["source"]["seed"], f
    fired = {f["rule"]: f for f in data["fired"]}
    assert fired["failure_both"]["because"] == ["failure_mode = both (is both)"]
    # prompts were not said to fail, so the steps start with that check, then train
    assert len(data["next_steps"]) == 5
    assert data["next_steps"][0]["text"].startswith("Before training anything")
    assert data["next_steps"][1]["text"].startswith("Fine-tune first")
    # each given answer that, changed, moves the verdict away from hybrid
    flips = {f["question"]: f["recommendation"] for f in data["flips"]}
    assert flips == {
        "needs_external_data": "fine_tune",
        "labelled_examples": "rag",
        "training_budget": "rag",
        "model_access": "rag",
    }
    for flip in data["flips"]:
        assert flip["text"].startswith("If ") and "the verdict would become" in flip["text"]
    origins = {a["question"]: a["origin"] for a in data["answers"]}
    assert origins["failure_mode"] == "given" and origins["golden_eval_set"] == "unknown"
    assert origins["monthly_queries"] == "assumed" and data["ruled_out"] == []
    # no unanswered question could move this verdict; with fewer answers some can
    assert data["next_questions"] == []
    fewer = run_cli(
        "advise", "-", "--json", stdin="failure_mode: both\nneeds_external_data: true\n"
    )
    assert fewer.returncode == 0, fewer.stderr
    few = json.loads(fewer.stdout)
    assert few["recommendation"] == "hybrid"
    assert [n["question"] for n in few["next_questions"]] == [
        "knowledge_change",
        "cost_predictability",
        "time_to_ship",
    ]
    for n in few["next_questions"]:
        assert n["could_become"] and "hybrid" not in n["could_become"] and 0 < n["share"] <= 1


def test_advise_reads_stdin_and_prints_text():
    result = run_cli("advise", "-", stdin="failure_mode: unsure\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Recommendation: Prompt engineering first")
    assert "Not sure where the problem is" in result.stdout


def test_check_rules_passes_on_the_built_in_rules():
    result = run_cli("check-rules", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] and len(data["examples"]) >= 25


def test_check_rules_names_a_failing_example(rules_copy):
    path = rules_copy / "decision.yaml"
    text = path.read_text()
    path.write_text(
        text.replace(
            "answers: {failure_mode: unsure}\n    expect: {recommendation: prompt_engineering",
            "answers: {failure_mode: unsure}\n    expect: {recommendation: rag",
        )
    )
    result = run_cli("check-rules", "--rules", str(rules_copy))
    assert result.returncode == 2
    assert "FAIL" in result.stderr and "you're not sure where the problem is" in result.stderr
    assert "expected rag, got prompt_engineering" in result.stderr


def test_organisation_rules_via_init_and_environment(tmp_path):
    folder = tmp_path / "acme-rules"
    assert run_cli("init-rules", str(folder)).returncode == 0
    # Acme policy: never fine-tune on customer data, whatever else is true.
    decision = folder / "decision.yaml"
    decision.write_text(
        decision.read_text().replace(
            "rules:\n",
            """rules:
  - id: acme_no_training_on_private_data
    title: Acme policy forbids training on private data
    when: {question: private_data, eq: true}
    evidence: {fine_tune: -100, hybrid: -100}
    rationale: Acme data policy.
    source: {seed: 003_571d2eddc57be90d.txt, quote: "Access control at retrieval"}
""",
            1,
        )
    )
    answers = tmp_path / "a.yaml"
    answers.write_text(
        "failure_mode: both\nneeds_external_data: true\nprivate_data: true\n"
        "behaviour_needs: [tone_persona]\nmodel_access: open_weights\n"
        "training_budget: large\nlabelled_examples: 5000\n"
        "prompt_engineering_tried: failed_on_test_set\n"
    )
    builtin = json.loads(run_cli("advise", str(answers), "--json").stdout)
    acme = json.loads(
        run_cli("advise", str(answers), "--json", env={"ADVISOR_RULES_DIR": str(folder)}).stdout
    )
    assert builtin["recommendation"] == "hybrid"
    assert acme["recommendation"] == "rag"
    assert "acme_no_training_on_private_data" in {f["rule"] for f in acme["fired"]}


def test_init_rules_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").write_text("keep me")
    result = run_cli("init-rules", str(tmp_path))
    assert result.returncode == 2 and "not empty" in result.stderr
    assert (tmp_path / "x").read_text() == "keep me"
