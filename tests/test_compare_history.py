"""Every comparison kept: a run saved as the latest is also kept under its id, another run
never overwrites it, `advisor compare runs` lists them and `advisor compare diff A B`
says per arm what changed, with a paired interval, flipped questions and settings."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from advisor.compare.history import (
    diff,
    diff_lines,
    keep,
    list_runs,
    load_kept,
    run_id,
    runs_dir,
    save_latest,
)
from advisor.compare.run import Cell, ComparisonRun, Row
from advisor.compare.summary import summarise
from advisor.errors import AdvisorError
from advisor.settings import Settings


def _run(at: str, right: dict[str, set[int]], k: int = 5, n: int = 10) -> ComparisonRun:
    rows = [Row(f"q{i}", f"Question {i}?", "45 days", ["refund.md"]) for i in range(n)]
    cells = [
        Cell(r.id, arm, "45 days" if i in right[arm] else "no", "fake", 0.1, 3,
             correct=1.0 if i in right[arm] else 0.0)
        for arm in right for i, r in enumerate(rows)
    ]  # fmt: skip
    run = ComparisonRun(list(right), rows, cells, started_at=at, collection="ws-h",
                        settings={"k": k, "mode": "hybrid"},
                        question_set={"name": "golden", "sha256": "abc" * 10})  # fmt: skip
    run.aggregates = summarise(run)
    return run


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data", collection="ws-h")


A = "2026-12-04T04:00:00+00:00"
B = "2026-12-04T05:30:15+00:00"


def test_each_saved_run_is_kept_and_the_latest_still_feeds_the_verdict(settings):
    first = _run(A, {"base": {0}, "rag": {0, 1, 2}})
    second = _run(B, {"base": {0}, "rag": set(range(9))}, k=3)
    save_latest(first, settings)
    save_latest(second, settings)
    kept = list_runs(settings)
    assert [k.id for k in kept] == ["20261204-053015", "20261204-040000"]  # newest first
    assert run_id(first) == "20261204-040000"
    latest = json.loads((settings.data_dir / "compare" / "ws-h" / "compare.json").read_text())
    assert latest["started_at"] == B
    # a change applied later to the first run is kept with it, not as another run
    first.notes.append("updated")
    save_latest(first, settings)
    assert len(list_runs(settings)) == 2
    assert load_kept(settings, "20261204-04").notes == ["updated"]  # a unique prefix


def test_another_run_in_the_same_second_gets_its_own_file(settings):
    keep(_run(A, {"base": {0}}), settings)
    other = _run(A, {"base": {0}, "rag": {1}})
    path = keep(other, settings)
    assert path.name == "20261204-040000-2.json"
    assert sorted(k.id for k in list_runs(settings)) == ["20261204-040000", "20261204-040000-2"]


def test_an_unreadable_kept_file_is_listed_with_its_problem(settings):
    keep(_run(A, {"base": {0}}), settings)
    (runs_dir(settings) / "20261204-050000.json").write_text("{not json")
    kept = {k.id: k for k in list_runs(settings)}
    assert kept["20261204-050000"].run is None and kept["20261204-050000"].problem
    with pytest.raises(AdvisorError, match="no kept comparison run 'nope'"):
        load_kept(settings, "nope")
    with pytest.raises(AdvisorError, match="matches 2 runs"):
        load_kept(settings, "20261204")


def test_the_diff_pairs_the_same_questions_and_names_what_differs():
    a = _run(A, {"base": {0}, "rag": {0, 1, 2}})
    b = _run(B, {"base": {0}, "rag": set(range(9))}, k=3)
    d = diff(a, b)
    rag = next(x for x in d.arms if x.arm == "rag")
    assert rag.now_right == [f"q{i}" for i in range(3, 9)] and rag.now_wrong == []
    assert rag.paired["applicable"] and rag.paired["mean"] == pytest.approx(0.6)
    base = next(x for x in d.arms if x.arm == "base")
    assert base.paired["mean"] == 0 and not base.now_right and not base.now_wrong
    assert d.settings == {"settings.k": (5, 3)} and d.same_questions
    text = "\n".join(diff_lines(d))
    assert "RAG: correct 30% [" in text and "-> 90% [" in text
    assert "B minus A on the same questions: +60 points" in text
    assert "now right (6): q3, q4, q5, q6, q7, q8" in text
    assert "settings.k: 5 -> 3" in text


def test_runs_and_diff_from_the_command_line(settings):
    save_latest(_run(A, {"base": {0}, "rag": {0, 1, 2}}), settings)
    save_latest(_run(B, {"base": {0}, "rag": set(range(9))}, k=3), settings)
    where = ["--data-dir", str(settings.data_dir), "--collection", "ws-h"]
    listed = run_cli("compare", "runs", *where)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("20261204-053015  10 questions (golden)  Base 10% RAG 90%")
    assert lines[1].startswith("20261204-040000")
    shown = run_cli("compare", "diff", "20261204-040000", *where)  # B: the latest
    assert shown.returncode == 0, shown.stderr
    assert "From 20261204-040000 (A) to 20261204-053015 (B):" in shown.stdout
    assert "B minus A on the same questions: +60 points" in shown.stdout
    missing = run_cli("compare", "diff", "1999", *where)
    assert missing.returncode != 0
    assert missing.stderr.strip().endswith("(kept: 20261204-053015, 20261204-040000)")
    # the options of a run still need their questions
    bare = run_cli("compare", *where)
    assert bare.returncode != 0 and "give either --questions FILE or --generate N" in bare.stderr


def test_the_page_shows_two_kept_runs_side_by_side(tmp_path, monkeypatch):
    from apptest import go, open_app

    from advisor.settings import get_settings

    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    here = Settings(data_dir=tmp_path / "data", collection="ws-apptest-hist")
    for at, right, k in (
        (A, {"base": {0}, "rag": {0, 1, 2}}, 5),
        (B, {"base": {0}, "rag": set(range(9))}, 3),
    ):
        run = _run(at, right, k=k)
        run.collection = "ws-apptest-hist"
        save_latest(run, here)
    try:
        page = go(open_app(session={"ws_id": "apptest-hist"}), "compare")
        assert "Earlier runs of this workspace (2 kept)" in [e.label for e in page.expander]
        grid = next(d.value for d in page.dataframe if "now right" in d.value.columns)
        rag = grid.set_index("arm").loc["RAG"]
        assert rag["correct in A"] == "30% (n=10)" and rag["correct in B"] == "90% (n=10)"
        assert rag["B minus A, same questions"].startswith("+60 points")
        assert rag["now right"] == "q3, q4, q5, q6, q7, q8"
        assert any("settings.k: 5 → 3" in m.value for m in page.markdown)
    finally:
        get_settings.cache_clear()
