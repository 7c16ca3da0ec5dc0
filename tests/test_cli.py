import json

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
    assert abs(sum(data["scores"].values()) - 1) < 1e-3
    fired = {f["rule"]: f for f in data["fired"]}
    assert "failure_both" in fired
    assert fired["failure_both"]["because"] == ["failure_mode = both (is both)"]
    # prompts were not said to fail, so the steps start with that check, then train
    assert data["next_steps"][0]["text"].startswith("Before training anything")
    assert data["next_steps"][1]["text"].startswith("Fine-tune first")
    for flip in data["flips"]:
        assert flip["recommendation"] != "hybrid" and flip["text"]
    origins = {a["question"]: a["origin"] for a in data["answers"]}
    assert origins["failure_mode"] == "given" and origins["golden_eval_set"] == "unknown"
    assert origins["monthly_queries"] == "assumed" and data["ruled_out"] == []
    assert all(n["could_become"] for n in data["next_questions"])


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
