"""Bad input gets one line naming the file, line and field; exit code 2; no traceback."""

from pathlib import Path

import pytest
from conftest import run_cli


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in a file; returns the 1-based line where it was."""
    text = path.read_text()
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def _fails_with(result, *fragments: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture
def answers(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("failure_mode: knowledge\nneeds_external_data: true\n")
    return path


# --- rule files -------------------------------------------------------------------

RULE_FILE_CASES = [
    # (file, old, new, fragments expected in the message besides file:line)
    ("decision.yaml", "  - id: tree_external_plus_format", "  - id: [broken", ["invalid YAML"]),
    (
        "decision.yaml",
        "when: {question: needs_citations, eq: true}",
        "when: {question: needs_citationz, eq: true}",
        ["when.question", "'needs_citationz' is not a question"],
    ),
    (
        "decision.yaml",
        "evidence: {rag: 3, hybrid: 3, fine_tune: -1}\n    rationale: Retrieved",
        "evidence: {rag: lots, hybrid: 3, fine_tune: -1}\n    rationale: Retrieved",
        ["evidence.rag", "number"],
    ),
    ("decision.yaml", "evidence: {fine_tune: 3}", "evidence: {magic: 3}", ["evidence.magic"]),
    (
        "decision.yaml",
        "    rationale: The first branch",
        "    wieght: 2\n    rationale: The first branch",
        ["wieght", "unknown field"],
    ),
    (
        "decision.yaml",
        "when: {question: needs_external_data, eq: true}\n    evidence: {rag: 3",
        "when: {question: needs_external_data, gte: 1}\n    evidence: {rag: 3",
        ["when.gte", "does not fit yes_no question"],
    ),
    (
        "decision.yaml",
        "when: {question: training_budget, eq: none}",
        "when: {question: training_budget, eq: tiny}",
        ["when.eq", "'tiny' is not one of"],
    ),
    (
        "decision.yaml",
        'quote: "No GPU training budget"',
        'quote: "No GPU training budget at all, ever"',
        ["source.quote", "passage not found in 004_0223c970ae7325fd.txt"],
    ),
    (
        "decision.yaml",
        'quote: "Organizations often manage thousands',
        'quote: "Organisations often manage thousands',
        ["see_also[0].quote", "passage not found in 002_e8bbaab7dab07f38.txt"],
    ),
    (
        "decision.yaml",
        "  - id: frequent_updates",
        "  - id: large_corpus",
        ["rules[10].id", "duplicate rule id 'large_corpus'"],
    ),
    (
        "decision.yaml",
        "expect: {recommendation: rag, warnings: [naive_rag]",
        "expect: {recommendation: rag, warnings: [naive_ragg]",
        ["expect.warnings[0]", "unknown warning id 'naive_ragg'"],
    ),
    (
        "decision.yaml",
        "answers: {failure_mode: unsure}",
        "answers: {failure_mode: puzzled}",
        ["answers.failure_mode", "'puzzled' is not one of"],
    ),
    (
        "questions.yaml",
        "ask_when: {question: needs_external_data, eq: true}\n\n  - id: updates_immediate",
        "ask_when: {question: updates_immediate, eq: true}\n\n  - id: updates_immediate",
        ["ask_when.question", "is not an earlier question"],
    ),
    (
        "questions.yaml",
        "    default: 3000",
        "    default: 3000000",
        ["questions[16].default", "outside 1 to 600,000"],
    ),
    (
        "questions.yaml",
        "    type: yes_no\n\n  - id: needs_external_data",
        "    type: yes-no\n\n  - id: needs_external_data",
        ["questions[2].type", "'single', 'multi', 'number' or 'yes_no'"],
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "fragments"),
    RULE_FILE_CASES,
    ids=[f"{c[0]}:{c[3][0]}" for c in RULE_FILE_CASES],
)
def test_bad_rule_file(rules_copy, answers, file, old, new, fragments):
    line = _edit(rules_copy / file, old, new)
    # Some edits land on the line after `old` starts; the message names one of them.
    result = run_cli("advise", str(answers), "--rules", str(rules_copy))
    msg = _fails_with(result, f"{rules_copy / file}:", *fragments)
    reported = int(msg.split(f"{file}:")[1].split(":")[0])
    assert line <= reported <= line + 2, (line, msg)
    check = run_cli("check-rules", "--rules", str(rules_copy))
    assert check.returncode == 2 and "Traceback" not in check.stderr


def test_missing_rule_file(rules_copy, answers):
    (rules_copy / "questions.yaml").unlink()
    _fails_with(
        run_cli("advise", str(answers), "--rules", str(rules_copy)),
        "questions.yaml: file not found",
    )


def test_empty_rule_file(rules_copy, answers):
    (rules_copy / "decision.yaml").write_text("# nothing yet\n")
    _fails_with(
        run_cli("advise", str(answers), "--rules", str(rules_copy)), "decision.yaml: file is empty"
    )


def test_missing_rules_folder_from_environment(tmp_path, answers):
    result = run_cli("advise", str(answers), env={"ADVISOR_RULES_DIR": str(tmp_path / "nope")})
    _fails_with(result, "nope: rules folder not found")


# --- answers files ----------------------------------------------------------------

ANSWER_CASES = [
    ("failure_mode: knowledge\ncolour: blue\n", ["answers.yaml:2: colour: unknown question"]),
    ("failure_mode: sometimes\n", ["answers.yaml:1: failure_mode: 'sometimes' is not one of"]),
    ("monthly_queries: lots\n", ["answers.yaml:1: monthly_queries: expected a number"]),
    ("latency_budget_ms: 0\n", ["answers.yaml:1: latency_budget_ms: 0 is outside 1 to 600,000"]),
    ("golden_eval_set: 3\n", ["answers.yaml:1: golden_eval_set: expected yes or no"]),
    (
        "behaviour_needs: [tone_persona, telepathy]\n",
        ["answers.yaml:1: behaviour_needs: 'telepathy' is not one of"],
    ),
    ("- failure_mode\n- knowledge\n", ["answers.yaml:1: answers must be a mapping"]),
    ("failure_mode: [knowledge\n", ["answers.yaml:2: invalid YAML"]),
]


@pytest.mark.parametrize(("text", "fragments"), ANSWER_CASES, ids=[c[1][0] for c in ANSWER_CASES])
def test_bad_answers(tmp_path, text, fragments):
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    _fails_with(run_cli("advise", str(path)), *fragments)


def test_missing_answers_file(tmp_path):
    _fails_with(run_cli("advise", str(tmp_path / "mine.yaml")), "mine.yaml: file not found")


def test_several_problems_are_counted_on_the_one_line(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("colour: blue\nsize: 3\nfailure_mode: nope\n")
    _fails_with(run_cli("advise", str(path)), "colour: unknown question", "(and 2 more)")


def test_check_rules_lists_every_problem(rules_copy):
    _edit(
        rules_copy / "decision.yaml",
        "when: {question: training_budget, eq: none}",
        "when: {question: training_budget, eq: tiny}",
    )
    _edit(
        rules_copy / "decision.yaml",
        "when: {question: multi_tenant, eq: true}",
        "when: {question: multi_tenantt, eq: true}",
    )
    result = run_cli("check-rules", "--rules", str(rules_copy))
    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("error: ") for e in errors)
