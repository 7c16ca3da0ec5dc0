"""A comparison whose base and RAG arms answer through an OpenAI-compatible server (the
fake one on loopback): every cell from the server, none from the fallback, and the run
says which server model answered."""

from __future__ import annotations

import json

from click.testing import CliRunner
from fake_openai import FakeOpenAI

from advisor.cli import main

SECRET = "sk-compare-do-not-leak-5678"


def test_compare_with_the_openai_backend(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "refunds.md").write_text("# Refunds\n\nThe refund window is 45 days.\n")
    (docs / "gate.md").write_text("# Gate\n\nThe code for the loading-dock gate is 4711.\n")
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "questions:\n"
        "  - {id: r1, question: How long is the refund window?, answer: 45 days,"
        " documents: [refunds.md]}\n"
        "  - {id: g1, question: What is the gate code?, answer: '4711', documents: [gate.md]}\n"
    )
    out = tmp_path / "run.json"
    with FakeOpenAI() as server:
        result = CliRunner().invoke(
            main,
            ["compare", "--questions", str(questions), "--docs", str(docs), "--arms",
             "base,rag", "--k", "2", "--json", "--out", str(out), "--data-dir",
             str(tmp_path / "data"), "--collection", "cmp-openai", "--device", "cpu"],
            env={"ADVISOR_GENERATOR": "openai", "ADVISOR_OPENAI_BASE_URL": server.url,
                 "ADVISOR_OPENAI_MODEL": "served-model", "ADVISOR_OPENAI_API_KEY": SECRET},
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr[-2000:]
    run = json.loads(result.stdout)
    assert run["status"] == "complete" and len(run["cells"]) == 4
    assert run["models"] == {"base": "openai:served-model", "rag": "openai:served-model"}
    assert {c["backend"] for c in run["cells"]} == {"openai:served-model"}
    assert all(c["fallback_reason"] is None for c in run["cells"])
    assert run["settings"]["generator"] == "openai" and run["settings"]["device"] == "cpu"
    cells = {(c["question_id"], c["arm"]): c for c in run["cells"]}
    assert cells[("r1", "base")]["correct"] == 1.0  # the server's answer, scored
    assert len(server.requests) == 4
    assert all(r["_auth"] == f"Bearer {SECRET}" for r in server.requests)
    assert SECRET not in out.read_text() and SECRET not in result.stdout + result.stderr
