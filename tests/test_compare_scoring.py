"""The comparison's scores on hand-computed cases: tokens, numbers, containment, F1,
groundedness, citations, retrieval ranks, bootstrap intervals and aggregates."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from advisor.compare.scoring import (
    CellScores,
    aggregate,
    all_fail,
    bootstrap_ci,
    citation_hit,
    contains,
    correct,
    disagreements,
    exact_match,
    grid_of,
    groundedness,
    no_answer,
    normalise,
    numbers,
    retrieval_ranks,
    score_cell,
    token_f1,
    tokens,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("18,400 euros", "18400 EUR"),
        ("€18,400", "18400 euro"),
        ("4.5 kg", "4.5kg"),
        ("1,000", "1000"),
        ("45 days", "45-day"),
        ("99.0 percent", "99%"),
        ("$20", "20 dollars"),
        ("£5", "5 GBP"),
        ("Café", "cafe"),
        ("two days", "2 days"),
        ("7:00 pm", "19:00"),
        ("The answer [1].", "the answer"),
    ],
)
def test_normalise_makes_equal_what_means_the_same(a, b):
    assert normalise(a) == normalise(b)


def test_tokens_split_units_keep_codes_and_canonicalise_numbers():
    assert tokens("4.5kg") == ["4.5", "kg"]
    assert tokens("18,400 euros") == ["18400", "eur"]
    assert tokens("Error E-217 on the KD-SL4!") == ["error", "e-217", "on", "the", "kd-sl4"]
    assert tokens("fleet-wide, 07:30") == ["fleet", "wide", "07:30"]
    assert tokens("4.50 and .5 and 3rd") == ["4.5", "and", "0.5", "and", "3"]
    assert tokens("9 m, 55 min") == ["9", "metre", "55", "minute"]
    assert tokens("") == []


def test_normalise_is_idempotent():
    for text in ("€18,400 for 2 KD-SL4s", "Café: 7:30 pm, 45-day window, 12%", "Batteries [2]"):
        assert normalise(normalise(text)) == normalise(text)


def test_numbers_are_values_and_codes_are_not():
    assert numbers("18,400 euros, 4.5 kg and 3%") == [18400.0, 4.5, 3.0]
    assert numbers("error E-217 at 07:30") == []
    assert numbers("twenty-five batteries") == [25.0]


@pytest.mark.parametrize(
    ("answer", "reference", "expected"),
    [
        ("The price is 18400 EUR.", "18,400 euros", 1.0),
        ("It carries 4.5kg.", "4.5 kg", 1.0),
        ("A 45-day window.", "45 days", 1.0),
        # "days" matches but the number does not: 1 of 2 words, halved
        ("Within 30 days.", "45 days", 0.25),
        ("45", "45 days", 0.5),  # all numbers, 1 of 2 words
        # both numbers but 4 of 5 content words ("charge" is missing): not full credit
        ("12 months or 400 cycles", "12 months or 400 charge cycles", 0.8),
        ("Aino Virtanen", "Aino Virtanen and Marcus Oduya", 0.5),
        ("The line is open 07:00 to 18:00.", "07:00 to 19:00", 0.25),
        ("I don't know.", "45 days", 0.0),
    ],
)
def test_containment(answer, reference, expected):
    assert contains(answer, reference) == pytest.approx(expected)


def test_correct_needs_every_number():
    assert correct("Customers have 45 days to return it [1].", "45 days")
    assert not correct("Customers have 30 days to return it.", "45 days")
    assert correct("It costs 18,400 EUR", "18,400 euros")
    assert not correct("It costs 18,500 EUR", "18,400 euros")
    assert not correct("anything", None) and contains("anything", "") is None


def test_token_f1_by_hand():
    # answer tokens [45, day, policy], reference [45, day]: P = 2/3, R = 1, F1 = 0.8
    assert token_f1("45 days policy", "45 days") == pytest.approx(0.8)
    # articles go: [price, 420] vs [420, eur]: P = 1/2, R = 1/2, F1 = 0.5
    assert token_f1("The price: 420", "420 euros") == pytest.approx(0.5)
    assert token_f1("nothing shared", "45 days") == 0.0
    assert token_f1("", "45 days") == 0.0
    assert token_f1("45 days", None) is None


def test_no_answer():
    for text in ("", "  ", "I don't know.", "The context does not mention it.",
                 "This is not in the documents.", "I cannot answer that [1]."):  # fmt: skip
        assert no_answer(text), text
    assert not no_answer("45 days.") and not no_answer("No.")


def test_groundedness_by_hand():
    context = ["The code for the loading-dock gate is 4711."]
    assert groundedness("The gate code is 4711 [1].", context) == 1.0
    # content tokens [gate, code, 4712]: 4712 is nowhere in the context
    assert groundedness("The gate code is 4712.", context) == pytest.approx(2 / 3)
    # [visitor, park, level, 2, garage] against two passages: all but "garage"
    passages = ["Visitors park on level 2.", "The canteen opens at 07:30."]
    assert groundedness("Visitors park on level 2 of the garage.", passages) == 0.8
    assert groundedness("4711", []) is None
    assert groundedness("I don't know.", context) is None
    assert groundedness("the", context) == 1.0  # only stopwords: kept, and found


def test_citation_hit_and_retrieval_ranks():
    assert citation_hit(["sla.md"], ["sla.md"]) == 1.0
    assert citation_hit(["faq.md", "updates/SLA.md"], ["sla.md"]) == 1.0
    assert citation_hit(["faq.md"], ["sla.md"]) == 0.0
    assert citation_hit([], ["sla.md"]) == 0.0
    assert citation_hit(["sla.md"], []) is None
    assert retrieval_ranks(["a.md", "b.md", "sla.md", "sla.md"], ["sla.md"]) == (1.0, 1 / 3)
    assert retrieval_ranks(["sla.md"], ["x.md", "sla.md"]) == (1.0, 1.0)
    assert retrieval_ranks(["a.md"], ["sla.md"]) == (0.0, 0.0)
    assert retrieval_ranks([], ["sla.md"]) == (0.0, 0.0)
    assert retrieval_ranks(["a.md"], []) == (None, None)


def test_bootstrap():
    assert bootstrap_ci([1, 1, 1]) == (1.0, 1.0, 1.0)
    assert bootstrap_ci([0.0]) == (0.0, 0.0, 0.0)
    values = [1, 0, 1, 1, 0, 1, 0, 1, 1, 1]
    mean, low, high = bootstrap_ci(values)
    assert mean == 0.7 and 0.0 <= low <= mean <= high <= 1.0 and low < high
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    narrow = bootstrap_ci(values, level=0.5)
    assert low <= narrow[1] and narrow[2] <= high
    with pytest.raises(ValueError):
        bootstrap_ci([])


@dataclass(frozen=True)
class Rec:
    question_id: str
    arm: str
    tag: str | None
    relation: str | None
    scores: CellScores


def test_score_cell_marks_what_does_not_apply():
    s = score_cell("It is 4711 [1].", "4711", ["The gate code is 4711."], ["gate.md"], ["gate.md"])
    assert s == CellScores(1.0, 1.0, pytest.approx(0.5), 1.0, 1.0, 0.0)  # exact: not verbatim
    bare = score_cell("I don't know.", None)
    assert bare == CellScores(None, None, None, None, None)


def test_aggregate_and_disagreements():
    def cell(q: str, arm: str, ok: float | None, tag: str = "t", rel: str | None = "unseen"):
        return Rec(q, arm, tag, rel, CellScores(correct=ok))

    cells = [
        cell("q1", "base", 0.0, rel="trained"), cell("q1", "rag", 1.0, rel="trained"),
        cell("q2", "base", 0.0), cell("q2", "rag", 0.0),
        cell("q3", "base", 1.0, "x"), cell("q3", "rag", 1.0, "x"),
        cell("q4", "base", None), cell("q4", "rag", 1.0),
    ]  # fmt: skip
    agg = aggregate(cells)
    assert agg.by_arm["base"].n == 3 and agg.by_arm["base"].mean == pytest.approx(1 / 3)
    assert agg.by_arm["rag"].n == 4 and agg.by_arm["rag"].mean == 0.75
    assert agg.by_tag["rag"]["x"].mean == 1.0 and agg.by_tag["rag"]["t"].n == 3
    assert agg.by_relation["rag"]["trained"].n == 1 and agg.by_relation["base"]["unseen"].n == 2
    assert agg.by_arm["rag"].as_dict()["mean"] == 0.75
    assert aggregate(cells, key=lambda c: 1.0).by_arm["base"].n == 4
    grid = grid_of(cells)
    assert grid["q4"] == {"base": None, "rag": 1.0}
    assert disagreements(grid) == 1 and all_fail(grid) == 1  # q1 splits, q2 fails everywhere
    assert disagreements(grid, ["base", "rag"]) == 1 and all_fail(grid, ["base", "rag"]) == 1
    assert all_fail({"q": {"base": None, "rag": 0.0}}, ["base", "rag"]) == 0


PASSAGES = [
    "New employees keep their onboarding buddy for 90 days. The buddy meets them weekly.",
    "Warranty terms: 1. Batteries: 12 months. 2. Frames: 5 years. 3. Motors: 2 years.",
]


@pytest.mark.parametrize(
    ("question", "answer", "reference", "kind"),
    [
        # repeating the question's words is not an answer, even when they hold the reference
        ("Is the buddy kept for two weeks or longer?", "Two weeks.", "two weeks", "question"),
        ("How long do new employees keep their onboarding buddy?",
         "New employees keep their onboarding buddy.", "90 days", "question"),
        # the prompt pasted back
        ("How long do new employees keep their onboarding buddy?",
         "You answer questions using only the numbered context. Answer in one short sentence.",
         "90 days", "prompt"),
        # the passages pasted back, numbered as in the prompt
        ("How long do new employees keep their onboarding buddy?",
         "[1] " + PASSAGES[0] + "\n[2] " + PASSAGES[1], "90 days", "passages"),
    ],
)  # fmt: skip
def test_an_echo_is_scored_wrong_and_not_grounded(question, answer, reference, kind):
    s = score_cell(answer, reference, PASSAGES, [], ["guide.md"], question=question)
    assert s.echo == kind
    assert s.correct == 0.0 and s.exact == 0.0 and s.groundedness is None


def test_a_list_index_or_a_bare_number_is_not_the_reference():
    q = "How long is the warranty on frames?"
    assert score_cell("1 [2]", "5 years", PASSAGES, question=q).correct == 0.0  # list index
    assert score_cell("5.", "5 years", PASSAGES, question=q).correct == 0.0  # no claim: years?
    assert score_cell("Frames have 5 years [2].", "5 years", PASSAGES, question=q).correct == 1.0


def test_exact_match_is_the_squad_one():
    assert exact_match("The 45 days", "45 days") == 1.0  # articles go
    assert exact_match("45 days [1]", "45 days") == 1.0  # citation markers go
    assert exact_match("Returns take 45 days.", "45 days") == 0.0
    assert exact_match("anything", None) is None


def test_context_recall_needs_the_fact_in_the_chunks_not_just_the_document():
    from advisor.compare.scoring import context_recall

    assert context_recall(PASSAGES, "90 days") == 1.0  # the first chunk holds it
    assert context_recall(PASSAGES, "120 days") == 0.0  # right topic, not the fact
    assert context_recall(PASSAGES[1:], "90 days") == 0.0  # the wrong chunk of the set
    assert context_recall([], "90 days") is None and context_recall(PASSAGES, None) is None
