"""Every user mistake on the command line is one line on stderr and exit code 2."""

from __future__ import annotations

import pytest
from conftest import run_cli


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["advise"], "Missing argument 'ANSWERS.yaml'"),
        (["nosuch"], "No such command 'nosuch'"),
        (["advise", "-", "--bogus"], "No such option '--bogus'"),
        (["costs", "-", "--months", "0"], "'--months'"),
        (["ask", "q", "--mode", "sideways"], "'--mode'"),
        (["report", "-"], "Missing option '--out'"),
        (["costs", "/no/such/answers.yaml"], "/no/such/answers.yaml"),
    ],
)
def test_usage_errors_are_one_line(args, says):
    result = run_cli(*args, stdin="{}\n")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and says in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_help_and_version_still_exit_zero():
    assert run_cli("--help").returncode == 0
    version = run_cli("--version")
    assert version.returncode == 0 and "version" in version.stdout


def test_verbose_logs_what_happens(tmp_path):
    doc = tmp_path / "note.md"
    doc.write_text("# Note\n\nThe refund window is 45 days.\n")
    data = ["--data-dir", str(tmp_path / "data")]
    quiet = run_cli("ingest", str(doc), *data)
    assert quiet.returncode == 0, quiet.stderr
    assert "INFO" not in quiet.stderr  # quiet by default
    doc.write_text("# Note\n\nThe refund window is 30 days.\n")
    loud = run_cli("-v", "ingest", str(doc), *data)
    assert loud.returncode == 0, loud.stderr
    assert "INFO" in loud.stderr and "advisor.rag.pipeline: ingested 1 file(s)" in loud.stderr
    env = run_cli("forget", "note.md", *data, env={"ADVISOR_LOG_LEVEL": "INFO"})
    assert "forgot note.md" in env.stderr
