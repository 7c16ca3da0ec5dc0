"""The app's work kept in its workspace: a reload (a new session on the same `?ws=` link)
finds the answers, cost edits, questions asked and adapter; a broken file is set aside,
never overwritten, and the page says so in one line."""

from __future__ import annotations

import json
import uuid

import pytest
from apptest import by_key, go, open_app

from advisor import workspace
from advisor.settings import get_settings
from advisor.workspace import WorkspaceState, load, save, state_file

ASKED = {
    "question": "Who is the safety officer?",
    "text": "Ada Lovelace [1].",
    "backend": "embedded:smollm2",
    "mode": "hybrid",
    "sources": [{"n": 1, "document": "team.md", "page": None, "text": "Ada is...", "score": 0.8}],
}


@pytest.fixture
def data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_a_saved_state_reads_back_the_same(tmp_path):
    kept = WorkspaceState(
        answers={"failure_mode": "knowledge"},
        price_edits={"engineering.rag_build_hours": 2000.0},
        input_edits={"horizon_months": 36},
        asked=[ASKED],
        adapter="run-20261204-101010",
    )
    path = save(tmp_path, "ws-x", kept)
    assert path == state_file(tmp_path, "ws-x")
    assert load(tmp_path, "ws-x") == (kept, None)
    assert [p.name for p in path.parent.iterdir()] == ["app.json"]  # no temporary left


def test_no_file_is_an_empty_state(tmp_path):
    assert load(tmp_path, "ws-none") == (WorkspaceState(), None)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{not json", "Invalid JSON"),
        (json.dumps({"price_edits": {"a.b": "Infinity"}}), "price_edits.a.b"),
        (json.dumps({"adapter": "../../etc"}), "adapter"),
        (json.dumps({"surprise": 1}), "surprise"),
        (json.dumps({"asked": [ASKED] * 51}), "asked"),
        (json.dumps({"asked": [{"question": "Who?"}]}), "asked.0.text"),
    ],
)
def test_a_broken_file_is_set_aside_with_one_line(tmp_path, text, said):
    path = state_file(tmp_path, "ws-bad")
    path.parent.mkdir(parents=True)
    path.write_text(text)
    kept, problem = load(tmp_path, "ws-bad")
    assert kept == WorkspaceState()
    assert problem is not None and said in problem and "\n" not in problem
    assert str(path) in problem and "app.json.unreadable" in problem
    assert not path.exists()
    assert path.with_name("app.json.unreadable").read_text() == text  # nothing lost


def test_a_file_that_is_not_regular_is_refused_not_read(tmp_path):
    import os

    path = state_file(tmp_path, "ws-fifo")
    path.parent.mkdir(parents=True)
    os.mkfifo(path)  # would block a plain read forever
    kept, problem = load(tmp_path, "ws-fifo")
    assert kept == WorkspaceState() and "named pipe" in (problem or "")


def _new_ws() -> str:
    return uuid.uuid4().hex


GIVEN = {"needs_external_data": True, "failure_mode": "knowledge", "knowledge_change": "monthly"}


def test_a_reload_restores_answers_edits_and_questions(data_dir):
    ws = _new_ws()
    at = open_app(url={"ws": ws})
    by_key(at.selectbox, "qn_failure_mode").set_value("knowledge").run()
    go(at, "costs")
    by_key(at.number_input, "costs_months").set_value(36).run()
    at.session_state["rag_answers"].append(ASKED)
    at.run()
    verdict = at.session_state["answers"]
    saved = json.loads(state_file(data_dir, f"ws-{ws}").read_text())
    assert saved["answers"] == verdict == {"failure_mode": "knowledge"}
    assert saved["input_edits"] == {"horizon_months": 36}

    again = open_app(url={"ws": ws})  # a reload: a new session on the same link
    assert again.session_state["answers"] == {"failure_mode": "knowledge"}
    assert by_key(again.selectbox, "qn_failure_mode").value == "knowledge"
    go(at, "")
    assert again.header[0].value == at.header[0].value  # the same verdict
    go(again, "costs")
    assert by_key(again.number_input, "costs_months").value == 36
    go(again, "report")
    assert "1 RAG answer" in again.markdown[0].value
    assert "costs over 36 months" in again.markdown[0].value


def test_a_new_link_starts_empty_and_another_workspace_is_not_read(data_dir):
    ws = _new_ws()
    save(data_dir, f"ws-{ws}", WorkspaceState(answers=GIVEN))
    other = open_app(url={"ws": _new_ws()})
    assert other.session_state["answers"] == {}
    fresh = open_app()
    assert fresh.session_state["answers"] == {}
    assert open_app(url={"ws": ws}).session_state["answers"] == GIVEN


def test_saved_work_that_no_longer_checks_out_is_dropped_with_a_line(data_dir):
    ws = _new_ws()
    save(
        data_dir,
        f"ws-{ws}",
        WorkspaceState(
            answers={**GIVEN, "gone_question": 3},
            price_edits={"no.such.price": 1.0},
            input_edits={"horizon_months": 100000},
        ),
    )
    at = open_app(url={"ws": ws})
    assert at.session_state["answers"] == GIVEN  # the answers that still check out
    shown = [w.value for w in at.warning]
    assert any("gone_question" in w for w in shown), shown
    assert any(w.startswith("Saved price edits dropped") for w in shown), shown
    assert any(w.startswith("Saved cost inputs dropped") for w in shown), shown
    assert at.session_state["cost_price_edits"] == {} and at.session_state["cost_input_edits"] == {}


def test_a_broken_workspace_file_is_said_on_the_page_and_kept(data_dir):
    ws = _new_ws()
    path = state_file(data_dir, f"ws-{ws}")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    at = open_app(url={"ws": ws})
    assert any("app.json.unreadable" in w.value for w in at.warning)
    assert path.with_name("app.json.unreadable").read_text() == "{not json"
    by_key(at.selectbox, "qn_failure_mode").set_value("knowledge").run()
    assert json.loads(path.read_text())["answers"] == {"failure_mode": "knowledge"}


def test_a_workspace_that_cannot_be_written_keeps_the_work_in_the_session(data_dir):
    ws = _new_ws()
    folder = state_file(data_dir, f"ws-{ws}").parent
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the folder goes")
    at = open_app(url={"ws": ws})
    by_key(at.selectbox, "qn_failure_mode").set_value("knowledge").run()
    assert not at.exception
    assert any(w.value.startswith("Your work is kept in this browser tab only") for w in at.warning)
    assert at.session_state["answers"] == {"failure_mode": "knowledge"}


def test_the_adapter_trained_last_is_found_again_and_named_in_the_report(data_dir):
    ws = _new_ws()
    folder = data_dir / "adapters" / f"ws-{ws}" / "run-20261204-101010"
    folder.mkdir(parents=True)
    run = {"status": "complete", "base_model": "SmolLM2-135M-Instruct", "steps": 12, "train_seconds": 75.0, "wall_seconds": 90.0,
           "tokens_per_second": 450.0, "peak_memory_mb": 3000, "train_loss": [[1, 2.0]],
           "val_loss": []}  # fmt: skip
    (folder / "run.json").write_text(json.dumps(run))
    save(data_dir, f"ws-{ws}", WorkspaceState(adapter=folder.name))
    at = open_app(url={"ws": ws})
    go(at, "finetune")
    assert any("adapter run-20261204-101010, 12 steps" in s.value for s in at.success)
    go(at, "report")
    assert "LoRA run: adapter run-20261204-101010" in at.markdown[0].value
    assert "Adapter run-20261204-101010" in "\n".join(m.value for m in at.markdown)
    # an adapter folder deleted since is not offered, and the report says none
    (folder / "run.json").unlink()
    again = open_app(url={"ws": ws})
    go(again, "report")
    assert "LoRA run: none" in again.markdown[0].value


def test_the_state_text_is_stable_so_an_unchanged_run_writes_nothing(data_dir):
    ws = _new_ws()
    at = open_app(url={"ws": ws})
    path = state_file(data_dir, f"ws-{ws}")
    assert not path.exists()  # nothing done, nothing written
    by_key(at.selectbox, "qn_failure_mode").set_value("knowledge").run()
    first = path.stat().st_mtime_ns
    at.run()
    assert path.stat().st_mtime_ns == first
    assert workspace.dump(WorkspaceState()) == workspace.dump(WorkspaceState())


def test_the_last_question_asked_is_shown_again_after_a_reload(data_dir, embedder):
    from dataclasses import asdict

    from advisor.rag.answer import Answer, SourceRef
    from advisor.rag.pipeline import RagPipeline
    from advisor.rag.trust import Trust
    from advisor.settings import Settings

    source = SourceRef(1, "team.md", None, 0, "Team", "Ada is the safety officer.", 0.8, {})
    trust = Trust(1.0, 0.7, (), False, False, None, best=1)
    answer = Answer("Who is the safety officer?", "Ada [1].", [source], {"retrieve": 0.01},
                    "embedded:smollm2", "hybrid", [1], trust=trust)  # fmt: skip
    ws = _new_ws()
    pipeline = RagPipeline(Settings(data_dir=data_dir), f"ws-{ws}", embedder=embedder)
    pipeline.ingest_bytes([("team.md", b"# Team\n\nAda is the safety officer.\n")])
    save(data_dir, f"ws-{ws}", WorkspaceState(asked=[json.loads(json.dumps(asdict(answer)))]))
    at = open_app(url={"ws": ws})
    go(at, "documents")
    captions = [c.value for c in at.caption]
    assert any("Who is the safety officer?" in c for c in captions), captions
    assert any("Answered by `embedded:smollm2`" in c for c in captions), captions
