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


def test_ask_many_questions_in_one_process_prints_a_json_line_each(tmp_path):
    data = str(tmp_path / "data")
    assert run_cli("ingest", str(CORPUS), "--data-dir", data).returncode == 0
    typed = tmp_path / "questions.txt"
    typed.write_text("What does error code E-217 mean?\n\n  How much does the KD-SL4 cost?\n")
    done = run_cli("ask", "--questions", str(typed), "--no-generate", "--data-dir", data)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(x) for x in done.stdout.splitlines()]
    assert [x["question"] for x in lines] == [
        "What does error code E-217 mean?",
        "How much does the KD-SL4 cost?",
    ]  # in file order, blank lines dropped, spaces tidied
    assert lines[0]["sources"][0]["document"] == "support_faq.html"
    assert "pricing_2025.pdf" in [s["document"] for s in lines[1]["sources"]]
    assert all(x["timings"]["retrieve"] > 0 and x["answer"] == "" for x in lines)
    assert "Asking" in done.stderr  # the progress bar, on standard error only
    # The comparison's own question files are read too; a mistake names file and line.
    golden = run_cli(
        "ask", "--questions", str(CORPUS / "golden.yaml"), "--no-generate", "--data-dir", data
    )
    assert golden.returncode == 0, golden.stderr
    assert len(golden.stdout.splitlines()) == 45 + sum(
        1 for line in (CORPUS / "golden.yaml").read_text().splitlines() if "reworded:" in line
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions:\n  - {question: ok}\n  - {answer: no question}\n")
    wrong = run_cli("ask", "--questions", str(bad), "--no-generate", "--data-dir", data)
    assert wrong.returncode == 2 and f"{bad}:3" in wrong.stderr, wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1
    both = run_cli("ask", "Q?", "--questions", str(typed), "--data-dir", data)
    assert both.returncode == 2 and "not both" in both.stderr
