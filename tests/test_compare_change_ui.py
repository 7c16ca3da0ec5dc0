"""The Compare page's change sections headless (AppTest): a saved update and forget are
shown with their figures and before / after; forgetting asks to confirm first."""

from __future__ import annotations

import pytest
from apptest import go, open_app
from streamlit.testing.v1 import AppTest

from advisor.compare.change.result import ChangeResult, forget_measures, update_measures
from advisor.compare.run import Cell, ComparisonRun, Row
from advisor.compare.summary import summarise
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings, get_settings

WS = "apptest-chg"


@pytest.fixture
def data(monkeypatch, tmp_path, embedder):
    folder = tmp_path / "data"
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(folder))
    get_settings.cache_clear()
    pipeline = RagPipeline(Settings(data_dir=folder), f"ws-{WS}", embedder=embedder)
    pipeline.ingest_bytes([
        ("gate.md", b"# Gate\n\nThe code for the gate is 4711.\n"),
        ("refund.md", b"# Refunds\n\nReturns within 30 days.\n"),
    ])  # fmt: skip
    yield folder
    get_settings.cache_clear()


def _cell(q: str, arm: str, answer: str, old: bool, new: bool | None, at: float | None):
    chunks = 1 if arm == "rag" else None
    return {"question_id": q, "arm": arm, "answer": answer, "backend": "fake", "seconds": 0.1,
            "old_stated": old, "new_stated": new, "doc_chunks": chunks, "at": at}  # fmt: skip


def _run(learned: bool = True) -> ComparisonRun:
    """A run with an update and a forget; `learned=False`: the adapter stated neither fact
    before the change."""
    rows = [
        Row("r1", "How long may customers return hardware?", "45 days", ["refund.md"],
            updated_answer="30 days"),
        Row("g1", "What is the gate code?", "4711", ["gate.md"]),
    ]  # fmt: skip
    cells = [Cell(r.id, a, "an answer", "fake", 0.1, 3, correct=0.0) for r in rows
             for a in ("rag", "lora")]  # fmt: skip
    before = [_cell("r1", "rag", "45 days [1]", True, False, None),
              _cell("r1", "lora", "Within 45 days.", learned, False, None)]  # fmt: skip
    after = [_cell("r1", "rag", "30 days [1]", False, True, 3.25),
             _cell("r1", "lora", "Within 45 days.", learned, False, 4.0)]  # fmt: skip
    card = {"run_id": "run-1", "train_seconds": 42.4, "tokens_per_second": 900.0}
    update = ChangeResult("update", ["refund.md"], "2025-01-01T00:00:00+00:00", "golden",
                          questions=[{"id": "r1", "question": rows[0].question,
                                      "documents": ["refund.md"], "old": "45 days",
                                      "new": "30 days"}],
                          before=before, after=after, retrain=card,
                          arms=update_measures(["rag", "lora"], before, after),
                          notes=["The adapter keeps the old facts"])  # fmt: skip
    gone_before = [_cell("g1", "rag", "4711 [1]", True, None, None),
                   _cell("g1", "lora", "It is 4711.", learned, None, None)]  # fmt: skip
    gone_after = [{**_cell("g1", "rag", "I don't know.", False, None, 1.0), "doc_chunks": 0},
                  _cell("g1", "lora", "It is 4711.", learned, None, 1.5)]  # fmt: skip
    forget = ChangeResult("forget", ["gate.md"], "2025-01-01T00:01:00+00:00", "golden",
                          questions=[{"id": "g1", "question": rows[1].question,
                                      "documents": ["gate.md"], "old": "4711", "new": None}],
                          before=gone_before, after=gone_after, retrain=card,
                          arms=forget_measures(["rag", "lora"], gone_before, gone_after),
                          notes=["removing them takes a retrain without the document"])  # fmt: skip
    run = ComparisonRun(["rag", "lora"], rows, cells, collection=f"ws-{WS}",
                        changes=[update.to_dict(), forget.to_dict()])  # fmt: skip
    run.aggregates = summarise(run)
    return run


def _page(learned: bool = True) -> AppTest:
    return go(open_app(session={"ws_id": WS, "compare_run": _run(learned)}), "compare")


def test_the_changes_show_their_figures_and_before_and_after(data):
    at = _page()
    heads = [s.value for s in at.subheader]
    assert "What goes stale" in heads and "What a fine-tune cannot forget" in heads
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["First correct answer · rag"] == "3.2 s"
    assert metrics["Stale, of what it knew · lora"] == "1 of 1"
    assert metrics["Retrain wall time (this machine)"] == "42 s"
    assert metrics["Chunks still retrieved · rag"] == "0"
    assert (
        metrics["Leak rate · rag"] == "0%" and metrics["Leaked, of what it knew · lora"] == "1 of 1"
    )
    assert metrics["Retrain without it (this machine)"] == "42 s"
    # the before/after grids of the changes (not the run's grid or its scores table)
    grids = [
        d.value
        for d in at.dataframe
        if "question" in d.value.columns and "id" not in d.value.columns
    ]
    assert len(grids) == 2
    update, forget = (g.iloc[0] for g in grids)
    assert update["reference"] == "45 days → 30 days"
    assert (update["rag"], update["lora"]) == ("✗ → ✓", "✗ → ✗")
    assert (forget["rag"], forget["lora"]) == ("⚠ → ✓", "⚠ → ⚠")
    markdown = "\n".join(m.value for m in at.markdown)
    assert "**Reference:** 45 days → 30 days" in markdown and "**Reference:** 4711" in markdown
    answers = [m.value for m in at.markdown]
    assert "30 days \\[1\\]" in answers and "I don't know\\." in answers  # side by side
    assert any("No retraining priced" in c.value for c in at.caption)  # no answers given
    assert not [b for b in at.button if b.key == "chg_demo"]  # no demo corpus here


def test_forgetting_asks_first_and_cancel_keeps_the_document(data):
    at = _page()
    pick = next(s for s in at.selectbox if s.key == "chg_pick")
    assert pick.options == ["refund.md", "gate.md"]  # cited by the run and still held
    pick.set_value("gate.md").run()
    next(b for b in at.button if b.key == "chg_forget").click().run()
    assert any("Forget **gate\\.md**?" in w.value for w in at.warning)
    next(b for b in at.button if b.key == "chg_no").click().run()
    assert not any("Forget **gate" in w.value for w in at.warning)
    assert not at.exception


def test_facts_the_adapter_never_stated_show_not_learned_not_0_percent(data):
    at = _page(learned=False)
    metrics = {m.label: m for m in at.metric}
    stale, leaked = (
        metrics["Stale, of what it knew · lora"],
        metrics["Leaked, of what it knew · lora"],
    )
    assert stale.value == "not learned" and leaked.value == "not learned"
    # their tooltips say why, and hold no share that would read as a result
    assert "so none can go stale" in stale.help and "%" not in stale.help
    assert "so none can leak" in leaked.help and "%" not in leaked.help
    grids = [
        d.value
        for d in at.dataframe
        if "question" in d.value.columns and "id" not in d.value.columns
    ]
    update, forget = (g.iloc[0] for g in grids)
    # not "✗ → ✗" (still old) nor "✓ → ✓" (silent, as if it forgot): it never knew
    assert update["lora"] == "not learned" and forget["lora"] == "not learned"
    assert (update["rag"], forget["rag"]) == ("✗ → ✓", "⚠ → ✓")  # retrieval as before
    assert any("not learned" in c.value for c in at.caption)  # the legend says what it is
