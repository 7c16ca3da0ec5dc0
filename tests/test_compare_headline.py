"""The comparison's headline: a winner only when the paired interval excludes zero (a tie
is carried as data, never as a joined string), read on the questions the adapter did not
train on when they are labelled (on every answerable question when none is), with the
trained ones kept beside it, and a partial adapter named as such."""

from __future__ import annotations

from advisor.compare.run import Cell, ComparisonRun, Row
from advisor.compare.summary import headline, summarise
from advisor.compare.text import headline_line, headline_parts, render_summary, trained_line


def _run(right: dict[str, set[int]], relations: list[str | None], adapter=None, unanswerable=0):
    rows = [Row(f"q{i}", f"Question {i}?", "45 days", ["a.md"], relation=rel)
            for i, rel in enumerate(relations)]  # fmt: skip
    rows += [Row(f"u{i}", f"Unanswerable {i}?", None, [], unanswerable=True)
             for i in range(unanswerable)]  # fmt: skip
    cells = [
        Cell(r.id, arm, "45 days", "fake", 0.1, 3,
             correct=None if r.unanswerable else 1.0 if i in right[arm] else 0.0,
             abstained=False if r.unanswerable else None)
        for arm in right
        for i, r in enumerate(rows)
    ]  # fmt: skip
    return ComparisonRun(list(right), rows, cells, adapter=adapter)


def test_a_winner_is_named_only_when_the_paired_interval_excludes_zero():
    clear = headline(_run({"rag": set(range(24)), "lora": set(range(3))}, [None] * 30))
    assert clear["best"] == "rag" and clear["apart"] and clear["tied"] == []
    assert clear["n"] == 30 and clear["runner_up"]["low"] > 0
    line = headline_line(clear)
    assert line.startswith("Most correct on 30 questions: RAG (80%); RAG minus LoRA, the nearest")
    close = headline(_run({"rag": {0, 1, 2}, "lora": {0, 1}}, [None] * 10))
    assert close["best"] == "rag" and not close["apart"]
    assert close["tied"][0]["arm"] == "lora" and close["tied"][0]["low"] <= 0
    line = headline_line(close)
    assert line.startswith("RAG and LoRA could not be told apart on 10 questions (difference +10")
    assert "95% interval" in line and "Most correct" not in line


def test_a_tie_is_carried_as_data_not_as_a_joined_string():
    """Equal shares: no " = " anywhere; the tied arms are a list, each with its paired
    difference, and the words come from that list."""
    run = _run({"rag": set(range(6)), "lora_rag": set(range(6)), "base": set()}, [None] * 12)
    run.aggregates = summarise(run)
    head = run.aggregates["headline"]
    assert "winner" not in run.aggregates
    assert head["best"] == "rag" and [d["arm"] for d in head["tied"]] == ["lora_rag"]
    assert head["tied"][0]["mean"] == 0 and not head["apart"]
    title, figures = headline_parts(head)
    assert title == "RAG and LoRA + RAG could not be told apart on 12 questions"
    assert figures == "difference +0 points, 95% interval +0 to +0"
    assert " = " not in render_summary(run)
    three = headline(_run({"rag": {0, 1}, "lora": {0}, "base": {1}}, [None] * 8))
    title, figures = headline_parts(three)
    assert title.startswith("RAG, LoRA and Base could not be told apart on 8 questions")
    assert "RAG minus LoRA: +12 points" in figures and "RAG minus Base: +12 points" in figures


def test_the_headline_reads_the_questions_the_adapter_did_not_train_on():
    relations = ["trained"] * 10 + ["paraphrase"] * 10 + ["unseen"] * 10
    # LoRA states every trained fact and nothing else; RAG states every other fact
    run = _run({"lora": set(range(10)), "rag": set(range(10, 30))}, relations)
    head = headline(run)
    assert head["basis"] == "not trained on" and head["n"] == 20 and head["best"] == "rag"
    assert head["apart"] and head["arms"]["lora"]["mean"] == 0
    assert headline_line(head).startswith(
        "Most correct on 20 questions the adapter did not train on: RAG (100%)"
    )
    # what memorising looks like stays visible beside it, and apart from it
    assert head["trained"]["lora"]["mean"] == 1.0 and head["trained"]["rag"]["mean"] == 0.0
    memorised = trained_line(head)
    assert "10 questions asked as the adapter trained on them" in memorised
    assert "LoRA 100%" in memorised and "RAG 0%" in memorised


def test_without_labels_the_headline_reads_every_answerable_question():
    run = _run({"rag": set(range(20)), "base": set()}, [None] * 20, unanswerable=5)
    head = headline(run)
    assert head["basis"] == "all" and head["n"] == 20  # the 5 unanswerable are not in it
    assert trained_line(head) is None
    assert headline_line(head).startswith("Most correct on 20 questions: RAG (100%)")
    only_trained = headline(_run({"lora": set(range(8)), "rag": set()}, ["trained"] * 8))
    assert only_trained["basis"] == "trained"
    assert "every one of them trained on by the adapter" in headline_line(only_trained)


def test_a_partial_adapter_is_named_in_the_headline():
    card = {"run_id": "run-7", "status": "cancelled", "partial": "partial: cancelled after 4 steps"}
    run = _run({"lora": set(range(25)), "rag": set()}, [None] * 30, adapter=card)
    line = headline_line(headline(run))
    assert "(the adapter run-7 is partial: cancelled after 4 steps)" in line
    assert line.startswith("Most correct on 30 questions: LoRA (83%)")
    tie = _run({"lora": {0}, "rag": {1}}, [None] * 10, adapter=card)
    assert "could not be told apart on 10 questions (the adapter run-7 is partial" in (
        headline_line(headline(tie))
    )
    done = {"run_id": "run-8", "status": "complete", "partial": ""}
    whole = _run({"lora": set(range(25)), "rag": set()}, [None] * 30, adapter=done)
    assert "partial" not in headline_line(headline(whole))
    # a card without the note (an older run): its status alone names it
    older = _run(
        {"lora": set(range(25)), "rag": set()}, [None] * 30, adapter={"status": "cancelled"}
    )
    assert "(the adapter is partial: cancelled)" in headline_line(headline(older))


def test_no_correct_answer_and_one_arm_are_said_as_such():
    nothing = headline(_run({"rag": set(), "base": set()}, [None] * 6))
    assert headline_line(nothing) == "No arm answered a question correctly on 6 questions."
    alone = headline(_run({"rag": {0, 1, 2}}, [None] * 6))
    assert headline_line(alone) == (
        "RAG: 50% correct on 6 questions; one arm ran: there is nothing to compare it with."
    )
    assert headline(_run({"rag": set()}, [], unanswerable=3)) is None
