"""`advisor eval-retrieval` and `advisor retrieval-mode` as real processes."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, run_cli

CORPUS = ROOT / "demo_corpus"
QUESTIONS = """\
questions:
  - {id: a, question: "How long do customers have to send hardware back?", documents: [refund_policy.md], split: tune}
  - {id: b, question: "What monthly uptime is promised?", documents: [sla.md], split: test}
  - {id: c, question: "What service credit applies under 99.0 percent?", documents: [sla.md]}
  - {question: "A question with no reference document is not scored"}
"""


def _one_line_error(result, says: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [x for x in result.stderr.strip().splitlines() if " WARNING " not in x]  # logs
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert says in lines[0], lines[0]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "q.yaml").write_text(QUESTIONS)
    (tmp_path / "bad.yaml").write_text("questions:\n  - {question: [unclosed\n")
    (tmp_path / "nodocs.yaml").write_text("questions:\n  - Who is the safety officer?\n")
    (tmp_path / "nosplit.yaml").write_text(
        "questions:\n  - {question: Who?, documents: [sla.md]}\n"
    )
    (tmp_path / "empty").mkdir()
    (tmp_path / "binary.txt").write_bytes(b"\0\1\2 not text")
    return tmp_path


@pytest.mark.parametrize(
    "args, says",
    [
        (["--questions", "{t}/missing.yaml"], "missing.yaml: file not found"),
        (["--questions", "{t}/bad.yaml"], "bad.yaml:"),
        (["--questions", "{t}/nodocs.yaml"], "no question names its reference documents"),
        (["--questions", "{t}/nosplit.yaml", "--split", "test"], "`split: test`"),
        (["--questions", "{t}/q.yaml", "--split", "train"], "'train' is not one of"),
        (["--questions", "{t}/q.yaml", "--k", "0"], "--k"),
        (["--questions", "{t}/q.yaml", "--docs", "{t}", "--collection", "y"], "not both"),
        (["--questions", "{t}/q.yaml", "--docs", "{t}/q.yaml", "--save"], "--save needs"),
        (["--questions", "{t}/q.yaml", "--docs", "{t}/empty"], "no supported files"),
        (["--questions", "{t}/q.yaml", "--docs", "{t}/nothing"], "does not exist"),
        (["--questions", "{t}/q.yaml", "--docs", "{t}/binary.txt"], "could be ingested"),
        (["--questions", "{t}/q.yaml", "--collection", "a!"], "collection name"),
        (["--questions", "{t}/q.yaml", "--data-dir", "{t}/data"], "is empty"),
        ([], "Missing option '--questions'"),
    ],
)
def test_mistakes_are_one_line_errors(files, args, says):
    result = run_cli("eval-retrieval", *[a.format(t=files) for a in args])
    _one_line_error(result, says)


def test_a_broken_saved_mode_is_a_one_line_error(tmp_path):
    saved = tmp_path / "workspaces" / "default" / "retrieval.json"
    saved.parent.mkdir(parents=True)
    saved.write_text('{"mode": "semantic"}')
    _one_line_error(
        run_cli("retrieval-mode", "--data-dir", str(tmp_path)), "retrieval.json: mode: 'semantic'"
    )
    _one_line_error(run_cli("retrieval-mode", "fast", "--data-dir", str(tmp_path)), "'fast'")


def test_modes_side_by_side_then_the_workspace_keeps_its_mode(files):
    data = str(files / "data")
    docs = [str(CORPUS / "refund_policy.md"), str(CORPUS / "sla.md")]
    table = run_cli("eval-retrieval", "--questions", str(files / "q.yaml"), "--docs", *docs[:1],
                    "--docs", docs[1])  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "Retrieval on 3 questions (split all)" in table.stdout
    for mode in ("dense", "bm25", "hybrid"):
        assert f"  {mode} " in table.stdout
    assert "hit@5" in table.stdout and "MRR" in table.stdout

    assert run_cli("ingest", *docs, "--data-dir", data).returncode == 0
    shown = run_cli("retrieval-mode", "--data-dir", data)
    assert shown.stdout.startswith("hybrid  (default)")
    out = run_cli("eval-retrieval", "--questions", str(files / "q.yaml"), "--split", "test",
                  "--data-dir", data, "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["questions"] == 1 and got["without_documents"] == 1 and got["split"] == "test"
    assert set(got["modes"]) == {"dense", "bm25", "hybrid"}
    assert all({"hit_at_k", "mrr", "p50_ms"} <= set(m) for m in got["modes"].values())
    assert got["workspace_mode"] == "hybrid"

    assert run_cli("retrieval-mode", "bm25", "--data-dir", data).returncode == 0
    assert run_cli("retrieval-mode", "--data-dir", data).stdout.startswith("bm25  (")
    asked = run_cli("ask", "service credit", "--no-generate", "--json", "--data-dir", data)
    answer = json.loads(asked.stdout)
    assert answer["mode"] == "bm25"  # the workspace's mode answers when --mode is not given
    assert set(answer["sources"][0]["scores"]) == {"bm25", "fused"}
