"""A saved comparison (compare.json) is input: an edited file is refused in one line naming
its field, or read with its derived figures computed again, never trusted or crashed on."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import RULES, run_cli
from test_compare_evidence import hand_made_run

from advisor.compare.history import load_saved
from advisor.errors import AdvisorError


@pytest.fixture
def saved(tmp_path):
    """A real saved run (hand-made answers, with an update and a forget) and its JSON."""
    path = tmp_path / "compare.json"
    run = hand_made_run()
    for c in run.changes:  # cells the evidence reads, as a change saves them
        c["before"] = [{"question_id": "q1", "arm": "lora", "old_stated": True}]
        c["after"] = [{"question_id": "q1", "arm": "lora", "old_stated": True, "at": 1.5}]
    run.save(path)
    return path, json.loads(path.read_text())


def _edit(data: dict, where: str, value) -> dict:
    """A copy of `data` with the value at `where` (dotted, [n] for a list item) replaced."""
    data = copy.deepcopy(data)
    parts = where.replace("[", ".").replace("]", "").split(".")
    target = data
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    target[int(last) if last.isdigit() else last] = value
    return data


TAMPERED = [
    ("cells.0.correct", "yes", "cells[0].correct: Input should be a valid number"),
    ("cells.0.correct", 1e308, "cells[0].correct: Input should be less than or equal to 1"),
    ("cells.0.correct", -5, "cells[0].correct: Input should be greater than or equal to 0"),
    ("cells.0.correct", 7.0, "cells[0].correct: Input should be less than or equal to 1"),
    ("cells.0.seconds", "fast", "cells[0].seconds: Input should be a valid number"),
    ("cells.0.tokens", -3, "cells[0].tokens: Input should be greater than or equal to 0"),
    ("cells.0.tokens", 2.5, "cells[0].tokens: Input should be a valid integer"),
    ("cells.0.arm", '<a href="http://evil.example">x</a>', "cells[0].arm: String should match"),
    ("arms.1", "<b>rag</b>", "arms[1]: String should match"),
    ("cells", {"q": 1}, "cells: Input should be a valid list"),
    ("rows.0", ["not", "a", "row"], "rows[0]: Input should be"),
    ("rows.0.hit", 2, "rows[0].hit: Input should be less than or equal to 1"),
    ("status", "done", "status: Input should be 'complete' or 'cancelled'"),
    ("changes", "oops", "changes: Input should be a valid list"),
    ("changes.0.kind", "rewrite", "Input should be 'update' or 'forget'"),
    ("changes.0.arms.lora.stale_of_known", 4.0, "stale_of_known: 4.0 is out of range"),
    ("changes.0.arms.lora", [1, 2], "Input should be a valid dictionary"),
    ("changes.0.before.0.old_stated", "yes", "old_stated"),
    ("changes.0.after.0.at", -1, "at"),
]


@pytest.mark.parametrize(("where", "value", "says"), TAMPERED)
def test_an_edited_run_is_refused_in_one_line_naming_the_field(saved, tmp_path, where, value, says):
    path, data = saved
    path.write_text(json.dumps(_edit(data, where, value)))
    with pytest.raises(AdvisorError) as exc:
        load_saved(path)
    message = str(exc.value)
    assert message.startswith(str(path)) and "\n" not in message
    assert says in message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"rows": [], "cells": [], "schema_version": 1, "seconds": NaN}', "NaN is not a number"),
        ('{"rows": [], "cells": [], "schema_version": 1, "seconds": Infinity}', "Infinity"),
        ('{"rows": [], "cells": [], "schema_version": 1, "seconds": 1e999}', "not a finite"),
        ("[" * 100_000 + "]" * 100_000, "nested too deep"),
    ],
)
def test_numbers_that_are_not_finite_and_deep_nesting_are_refused(tmp_path, text, says):
    path = tmp_path / "compare.json"
    path.write_text(text)
    with pytest.raises(AdvisorError, match=says):
        load_saved(path)


def test_a_nan_in_an_untyped_corner_cannot_reach_a_rule(saved):
    path, data = saved
    data["adapter"]["tokens_per_second"] = float("nan")
    path.write_text(json.dumps(data))  # json writes a bare NaN
    with pytest.raises(AdvisorError, match="NaN is not a number a comparison writes"):
        load_saved(path)


def test_derived_aggregates_are_computed_again_not_trusted(saved):
    path, data = saved
    honest = load_saved(path).aggregates
    data["aggregates"] = {"winner": "lora", "arms": {"lora": {"correct": {"mean": 1.0}}}}
    path.write_text(json.dumps(data))
    back = load_saved(path)
    assert back.aggregates == honest


def test_advise_and_report_refuse_an_edited_run_with_exit_2(saved, tmp_path):
    path, data = saved
    path.write_text(json.dumps(_edit(data, "cells.0.correct", "yes")))
    answers = tmp_path / "answers.yaml"
    answers.write_text("knowledge_change: weekly\n")
    for args in (
        ("advise", str(answers), "--evidence", str(path), "--json"),
        ("report", str(answers), "--evidence", str(path), "--out", str(tmp_path / "r.html")),
    ):
        done = run_cli(*args, "--rules", str(RULES))
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "cells[0].correct" in lines[0], done.stderr
        assert "Traceback" not in done.stderr
