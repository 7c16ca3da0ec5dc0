"""Facts first: the checkable facts a collection states, the questions a person would ask
about them, and the split by fact that keeps a fine-tune's unseen facts unseen."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.compare.questions import generated_questions as generated_set
from advisor.errors import InputError
from advisor.questionsets.facts import extract_facts, facts_of_chunk
from advisor.questionsets.generate import ask, ask_all, held_out
from advisor.questionsets.keys import find_keys
from advisor.words import normalise

ROOT = Path(__file__).resolve().parent.parent


def _one(sentence: str, heading: str = "Policy"):
    facts = facts_of_chunk("doc.md", heading, sentence)
    assert len(facts) == 1, facts
    asked = ask(facts[0])
    assert asked is not None
    return facts[0], asked


@pytest.mark.parametrize(
    ("sentence", "key", "kind", "question"),
    [
        ("Employees get 25 days of paid leave per year.", "25 days", "duration",
         "How many days of paid leave per year do employees get?"),
        ("The company pays 75% of the medical premium.", "75%", "share",
         "What share of the medical premium does the company pay?"),
        ("Hotels may cost at most 160 euros per night.", "160 euros", "amount",
         "How much may hotels cost per night?"),
        ("The REST API allows 600 requests per minute per key.", "600 requests", "count",
         "How many requests does the REST API allow per minute per key?"),
        ("Flight logs are kept for 90 days.", "90 days", "duration",
         "How long are flight logs kept?"),
        ("The plant was opened in 1998 by the mayor.", "1998", "date",
         "When was the plant opened"),
        ("Each chunk will contain 64 KiB of data.", "64 KiB", "size",
         "How much data will each chunk contain?"),
        ("The default chunk size is 96 MiB.", "96 MiB", "size",
         "What is the default chunk size?"),
        ("The present boat, the fourth on the route, was built in 1992.", "1992", "date",
         "When was the present boat built?"),
        ("The smokehouse at Tolby has been working since 1934.", "1934", "date",
         "Since when has the smokehouse at Tolby been working?"),
        ("The fen receives water from three directions.", "three directions", "count",
         "From how many directions does the fen receive water?"),
    ],
)  # fmt: skip
def test_a_sentence_gives_its_short_key_and_a_question_that_does_not_state_it(
    sentence, key, kind, question
):
    fact, asked = _one(sentence)
    assert (fact.key, fact.kind) == (key, kind)
    assert asked.question.startswith(question)
    assert normalise(key) not in normalise(asked.question)  # the question never says it
    assert normalise(key) in normalise(fact.sentence)  # the key is the document's own


def test_paraphrase_and_answer_sentence_differ_from_the_question_and_hold_the_key():
    fact, asked = _one("Refunds are paid within 10 business days.")
    assert asked.paraphrase != asked.question
    assert normalise(asked.paraphrase) != normalise(asked.question)
    assert fact.key in asked.answer_sentence
    assert len(asked.answer_sentence.split()) <= 20


@pytest.mark.parametrize(
    "sentence",
    [
        "Submit expense claims within 30 days of returning.",  # an instruction
        "The limit is 5 GB and the timeout is 30 seconds.",  # two keys in one clause
        "All copy commands send the following 4 requests:",  # the fact is in the list
        "This batch will be opened for every 64 MiB segment.",  # the key is a modifier
        "Why would it take 5 days?",  # a question, not a statement
        # the subject is a clause away from the verb
        "The decline has many causes, and ecologists have argued about it for fifty years.",
        "Its fourteen thousand hectares hold four villages of any size.",  # whose?
    ],
)
def test_sentences_a_question_cannot_be_built_from_naturally_are_left_out(sentence):
    assert [f for f in facts_of_chunk("doc.md", "", sentence) if ask(f) is not None] == []


def test_a_table_row_is_a_fact_under_its_header():
    text = (
        "| Plan | Price per month | Seats |\n| --- | --- | --- |\n"
        "| Team | $49 | 10 |\n| Business | $199 | 50 |\n"
    )
    facts = facts_of_chunk("pricing.md", "Pricing > Plans", text)
    keys = {(f.subject, f.unit, f.key) for f in facts}
    assert ("Team", "Price per month", "$49") in keys
    assert ("Business", "Seats", "50") in keys
    asked = ask(next(f for f in facts if f.key == "$49"))
    assert asked.question == "What is the price per month for Team in Plans?"


def test_a_setting_with_a_default_line_is_a_fact_about_its_default():
    text = "Cutoff for switching to chunked upload.\n\nProperties:\n\n- Default: 200Mi\n"
    (fact,) = facts_of_chunk("b2.md", "Backblaze B2 > Options > --b2-upload-cutoff", text)
    assert (fact.kind, fact.key, fact.subject) == ("default", "200Mi", "--b2-upload-cutoff")
    assert ask(fact).question == "What does --b2-upload-cutoff default to for Backblaze B2?"


def test_keys_are_whole_numbers_with_their_units():
    sentence = "Uploads of 2.5 GiB take 3 hours and cost $1,200 (15% off) on 12 March 2024."
    kinds = [k.kind for k in find_keys(sentence)]
    assert kinds == ["size", "duration", "amount", "share", "date"]


def test_every_loader_format_yields_facts():
    from advisor.rag.chunking import chunk_document
    from advisor.rag.documents import load_file

    corpus = ROOT / "demo_corpus"
    for name in ("onboarding_guide.pdf", "travel_expense_policy.docx", "support_faq.html",
                 "refund_policy.md", "remote_work_policy.txt"):  # fmt: skip
        chunks = chunk_document(load_file(corpus / name), 256, 32)
        facts = extract_facts((c.document, c.heading, c.text) for c in chunks)
        assert ask_all(facts), name


def test_generated_questions_carry_short_keys_and_abstention_questions():
    chunks = [
        ("leave.md", "Leave", "Employees get 25 days of paid leave per year."),
        ("leave.md", "Sick leave", "Sick leave is paid for 14 weeks."),
        ("pay.md", "Pay", "The company pays 75% of the medical premium."),
        ("pay.md", "Bonus", "The annual bonus is capped at $3,000 per person."),
        ("travel.md", "Hotels", "Hotels may cost at most 160 euros per night."),
    ]
    qs = generated_set(chunks, limit=5)
    answerable = [q for q in qs.questions if not q.unanswerable]
    assert len(answerable) == 4 and all(len(q.answer.split()) <= 3 for q in answerable)
    (unanswerable,) = [q for q in qs.questions if q.unanswerable]
    assert unanswerable.answer is None and unanswerable.question.endswith("?")
    assert len({normalise(q.question) for q in qs.questions}) == len(qs.questions)


def test_with_an_adapter_the_set_asks_trained_facts_in_other_words_and_unseen_facts():
    chunks = [
        (f"doc{i}.md", "Limits", f"Plan {chr(65 + i)} allows {10 + i} users per team.")
        for i in range(12)
    ]
    every = generated_set(chunks, limit=12)
    trained = [q.question for q in every.questions[:6]]
    qs = generated_set(chunks, limit=10, trained_prompts=trained)
    relations = {q.relation for q in qs.questions if not q.unanswerable}
    assert relations == {"trained", "paraphrase", "unseen"}
    for q in qs.questions:
        if q.relation == "paraphrase":
            assert q.question not in trained
        if q.relation == "unseen":
            assert normalise(q.question) not in {normalise(t) for t in trained}


@pytest.mark.parametrize(
    "text",
    [
        "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate.",
        "# Handbook",
        "Les employés ont droit à vingt-cinq jours de congés payés par an.",
    ],
)
def test_a_collection_without_checkable_facts_gets_a_clear_message(text):
    with pytest.raises(InputError, match=r"no facts with short answers were found in poem\.md"):
        generated_set([("poem.md", "", text)], limit=10, where="poem.md")


def test_the_split_is_by_fact_and_the_held_out_facts_are_never_trained():
    from advisor.finetune.pairs import pairs_from_facts, split_pairs

    class C:
        def __init__(self, i):
            self.document, self.heading = f"d{i % 4}.md", "Limits"
            self.text = f"Plan {chr(65 + i)} allows {10 + i} users per team."

    pairs = pairs_from_facts([C(i) for i in range(24)])
    split = split_pairs(pairs, method="facts")
    trained = {p.prompt for p in split.train}
    for p in split.val + split.test:
        assert p.held_out and p.prompt not in trained
        assert not any(p.prompt in t for t in trained)  # not even inside a rewording
    for p in pairs:
        if not p.held_out and p.paraphrase:
            assert p.paraphrase not in trained


def test_held_out_is_a_function_of_the_fact_alone():
    (fact,) = facts_of_chunk("a.md", "", "Plan A allows 10 users per team.")
    assert held_out(fact, 0.5) == held_out(fact, 0.5)
    assert held_out(fact, 0.0) and not held_out(fact, 1.0)


def test_the_time_budget_takes_as_many_facts_as_the_estimate_fits():
    from advisor.finetune.estimate import Estimate, fit_budget
    from advisor.finetune.pairs import Pair

    pairs = [Pair(f"q{i}?", f"a{i}.", held_out=i % 2 == 1) for i in range(80)]

    def seconds(chosen):  # 10 s per trained fact, 30 s around the run
        trained = [p for p in chosen if not p.held_out]
        return Estimate(30 + 10 * len(trained), "")

    budget = fit_budget(pairs, 230, seconds)
    assert budget.facts == 20 and budget.available == 40
    assert budget.estimate.seconds == 230
    assert len([p for p in budget.pairs if p.held_out]) == 5  # checks for what it learned
    assert fit_budget(pairs, 10, seconds).facts == 10  # never fewer than a split needs
    assert fit_budget(pairs, 10**6, seconds).facts == 40  # never more than there are


def test_a_document_of_tables_only_and_a_collection_of_one_document_get_questions():
    tables = (
        "| Plan | Price per month | Seats |\n| --- | --- | --- |\n"
        "| Team | $49 | 10 |\n| Business | $199 | 50 |\n| Enterprise | $899 | 500 |\n"
    )
    qs = generated_set([("pricing.md", "Pricing", tables)], limit=5)
    answerable = [q for q in qs.questions if not q.unanswerable]
    assert answerable and all(q.documents == ["pricing.md"] for q in answerable)
    assert all(q.tag == "cell" and q.answer in tables for q in answerable)
    one = [("leave.md", "Leave", "Employees get 25 days of paid leave per year.")]
    (q,) = [q for q in generated_set(one, limit=5).questions if not q.unanswerable]
    assert q.answer == "25 days"
