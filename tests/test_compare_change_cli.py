"""`advisor compare --update / --forget` as a user runs it: every mistake is one line."""

from __future__ import annotations

import pytest
from conftest import ROOT, run_cli

from advisor.compare.history import latest_path
from advisor.compare.run import ComparisonRun, Row
from advisor.settings import Settings

pytestmark = pytest.mark.slow  # real processes
UPDATES = ROOT / "demo_corpus" / "updates"


@pytest.fixture
def saved_run(tmp_path):
    """A latest run whose questions have no updated answers (no model needed)."""
    data = tmp_path / "data"
    rows = [Row("q20", "What credit applies below 99.0 percent?", "25 percent", ["sla.md"])]
    run = ComparisonRun(["base", "rag"], rows, collection="default", settings={"k": 3})
    run.save(latest_path(Settings(data_dir=data), "default"))
    return data


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--update", "nowhere/sla.md"], "nowhere/sla.md: no such file or folder"),
        (["--update", str(UPDATES)], "no comparison run in collection 'default' yet"),
        (["--update", str(UPDATES), "--forget", "sla.md"], "give --update or --forget, not both"),
        (["--forget", "sla.md", "--arms", "base"], "--arms sets up a new run"),
        ([], "give either --questions FILE or --generate N"),
    ],
)
def test_option_mistakes_are_one_line(tmp_path, args, says):
    done = run_cli("compare", *args, "--data-dir", str(tmp_path / "empty"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--update", str(UPDATES / "sla.md")],
            "no question of 'the run's questions' has an updated_answer for sla.md",
        ),
        (["--forget", "nope.md"], "unknown document 'nope.md': collection 'default' holds no"),
    ],
)
def test_a_run_that_cannot_show_the_change_is_one_line(saved_run, args, says):
    done = run_cli("compare", *args, "--data-dir", str(saved_run))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr
