"""The comparison's headline: a winner only when the paired interval excludes zero, read
on the questions the adapter did not train on, and a partial adapter named as such."""

from __future__ import annotations

from advisor.compare.run import Cell, ComparisonRun, Row
from advisor.compare.summary import headline
from advisor.compare.text import headline_line


def _run(right: dict[str, set[int]], relations: list[str | None], status: str = "complete"):
    rows = [Row(f"q{i}", f"Question {i}?", "45 days", ["a.md"], relation=rel)
            for i, rel in enumerate(relations)]  # fmt: skip
    cells = [
        Cell(r.id, arm, "45 days", "fake", 0.1, 3, correct=1.0 if i in right[arm] else 0.0)
        for arm in right
        for i, r in enumerate(rows)
    ]
    return ComparisonRun(list(right), rows, cells, adapter={"status": status})


def test_a_winner_is_named_only_when_the_paired_interval_excludes_zero():
    n = 30
    clear = _run({"rag": set(range(24)), "lora": set(range(3))}, [None] * n)
    head = headline(clear)
    assert head["best"] == "rag" and head["apart"] and head["n"] == n
    assert headline_line(head).startswith("Most correct on 30 questions: ")
    close = _run({"rag": {0, 1, 2}, "lora": {0, 1}}, [None] * 10)
    head = headline(close)
    assert head["best"] == "rag" and not head["apart"]
    line = headline_line(head)
    assert "could not be told apart on 10 questions" in line and "Most correct" not in line


def test_the_headline_reads_the_questions_the_adapter_did_not_train_on():
    relations = ["trained"] * 10 + ["paraphrase"] * 10 + ["unseen"] * 10
    # LoRA states every trained fact and nothing else; RAG states every other fact
    run = _run({"lora": set(range(10)), "rag": set(range(10, 30))}, relations)
    head = headline(run)
    assert head["basis"] == "not trained on" and head["n"] == 20 and head["best"] == "rag"
    assert "questions the adapter did not train on" in headline_line(head)


def test_a_partial_adapter_is_named_in_the_headline():
    run = _run({"lora": set(range(25)), "rag": set()}, [None] * 30, status="cancelled")
    line = headline_line(headline(run), "cancelled")
    assert "the adapter is partial" in line
