"""`advisor ingest | ask | forget | documents` as real processes."""

import json

from conftest import ROOT, run_cli

CORPUS = ROOT / "demo_corpus"


def test_ingest_ask_forget(tmp_path):
    data = str(tmp_path / "data")
    result = run_cli(
        "ingest",
        str(CORPUS),
        str(CORPUS / "golden.yaml"),
        "--data-dir",
        data,
        "--collection",
        "cli-test",
    )
    assert result.returncode == 0, result.stderr
    assert "18 added, 1 error" in result.stdout
    assert "golden.yaml" in result.stdout and "unsupported type '.yaml'" in result.stdout
    assert "Ingesting" in result.stderr  # the progress bar

    again = run_cli(
        "ingest", str(CORPUS / "sla.md"), "--data-dir", data, "--collection", "cli-test"
    )
    assert "1 unchanged" in again.stdout

    asked = run_cli(
        "ask",
        "How much does the KD-SL4 cost?",
        "--no-generate",
        "--json",
        "--data-dir",
        data,
        "--collection",
        "cli-test",
    )
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert {"answer", "sources", "timings", "backend"} <= set(answer)
    docs = [s["document"] for s in answer["sources"]]
    assert "pricing_2025.pdf" in docs
    assert all({"document", "chunk", "score"} <= set(s) for s in answer["sources"])

    bm25 = json.loads(
        run_cli(
            "ask",
            "E-217",
            "--mode",
            "bm25",
            "--k",
            "1",
            "--no-generate",
            "--json",
            "--data-dir",
            data,
            "--collection",
            "cli-test",
        ).stdout
    )
    assert bm25["sources"][0]["document"] == "support_faq.html"
    assert set(bm25["sources"][0]["scores"]) == {"bm25", "fused"}

    gone = run_cli("forget", "support_faq.html", "--data-dir", data, "--collection", "cli-test")
    assert gone.returncode == 0 and "5 chunks" in gone.stdout
    listed = run_cli("documents", "--data-dir", data, "--collection", "cli-test")
    assert "support_faq.html" not in listed.stdout and "17 documents" in listed.stdout


def test_forget_unknown_and_empty_collection(tmp_path):
    data = str(tmp_path / "data")
    result = run_cli("forget", "nope.md", "--data-dir", data)
    assert result.returncode == 2 and "nope.md: not in collection 'default'" in result.stderr
    empty = run_cli("ask", "anything", "--data-dir", data)
    assert empty.returncode == 2 and "is empty" in empty.stderr
    bad = run_cli("ask", "anything", "--data-dir", data, "--collection", "x")
    assert bad.returncode == 2 and "collection" in bad.stderr and "Traceback" not in bad.stderr
