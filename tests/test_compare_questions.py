"""The questions a comparison makes itself: generated from the documents, labelled
trained / paraphrase / unseen against an adapter's training pairs, and those pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.compare.questions import generated_questions, label_relations, read_training_pairs
from advisor.errors import InputError
from advisor.questionsets.files import load_question_file
from advisor.questionsets.model import Question, QuestionSet

GOLDEN = Path(__file__).resolve().parent.parent / "demo_corpus" / "golden.yaml"


CHUNKS = [
    ("refund_policy.md", "Refunds", "Hardware can be returned within 45 days. Keep the box."),
    ("refund_policy.md", "Fees", "Opened units carry a restocking fee of 12 percent."),
    ("sla.md", "Uptime", "The uptime target is 99.7 percent each month."),
    ("sla.md", "Credits", "Credits are paid within 30 days of the claim."),
    ("sla.md", "Credits", "Credits are paid as service vouchers."),
]


def test_generated_questions_spread_over_documents_and_carry_short_keys():
    qs = generated_questions(CHUNKS, limit=4)
    assert qs.origin == "generated" and len(qs.questions) == 4
    assert [q.id for q in qs.questions] == ["g1", "g2", "g3", "g4"]
    assert {q.documents[0] for q in qs.questions[:2]} == {"refund_policy.md", "sla.md"}
    assert all(q.source == "generated" and q.answer for q in qs.questions)
    assert {q.answer for q in qs.questions} == {"45 days", "12 percent", "99.7 percent", "30 days"}
    assert all(q.answer not in q.question for q in qs.questions)  # the key is never asked in it
    assert generated_questions(CHUNKS, limit=4, seed=0) == qs
    every = generated_questions(CHUNKS, limit=100).questions
    answerable = [q for q in every if not q.unanswerable]
    assert len(answerable) == 4  # the vouchers sentence states no short key: not asked
    assert len({q.question for q in every}) == len(every)
    with pytest.raises(InputError, match="limit must be at least 1"):
        generated_questions(CHUNKS, limit=0)
    with pytest.raises(InputError, match="no facts with short answers"):
        generated_questions([("a.md", "", "   ")])


def _set(*questions: Question) -> QuestionSet:
    return QuestionSet("t", list(questions), "0" * 64, "typed")


def test_relations_trained_paraphrase_unseen():
    qs = _set(
        Question("q1", "How long is the refund window?", "45 days"),
        Question("q1r", "For how many days can I return hardware?", "45 days", variant_of="q1"),
        Question("q2", "What is the refund period for hardware?", "45 days"),
        Question("q3", "How long are flight logs kept?", "90 days"),
        Question("q4", "Who is the safety officer?", None),
    )
    prompts = ["how long is the refund window", "How long does a buddy stay?"]
    facts = [("How long is the refund window?", "45 days [1]."), ("How long does a buddy stay?", "90 days.")]  # fmt: skip
    labelled = label_relations(qs, prompts, facts)
    assert [q.relation for q in labelled.questions] == [
        "trained", "paraphrase", "paraphrase", "unseen", "unseen",
    ]  # fmt: skip
    # q3's "90 days" is another fact: no topic word shared with the buddy question
    assert labelled.sha256 == qs.sha256 and labelled.counts() == {
        "trained": 1, "paraphrase": 2, "unseen": 2,
    }  # fmt: skip
    without_facts = label_relations(qs, prompts)
    assert [q.relation for q in without_facts.questions][:3] == ["trained", "paraphrase", "unseen"]


def test_relations_on_the_demo_golden_set_give_a_mix():
    qs = load_question_file(GOLDEN)
    originals = [q for q in qs.questions if q.variant_of is None]
    half = originals[: len(originals) // 2]
    counts = label_relations(qs, [q.question for q in half]).counts()
    assert counts == {"trained": 22, "paraphrase": 11, "unseen": 37}


def test_read_training_pairs(tmp_path):
    rows = [{"prompt": "What?", "completion": "That."}, {"prompt": "Q", "completion": "A [1].",
            "context": ["A"]}]  # fmt: skip
    (tmp_path / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    assert read_training_pairs(tmp_path) == [("What?", "That."), ("Q", "A [1].")]
    (tmp_path / "train.jsonl").write_text('{"prompt": "Q", "completion": "A"}\n{"prompt": 3}\n')
    with pytest.raises(InputError, match=r"train.jsonl:2: prompt: missing or not text"):
        read_training_pairs(tmp_path)
    (tmp_path / "train.jsonl").write_text("{oops\n")
    with pytest.raises(InputError, match=r"train.jsonl:1: not valid JSON"):
        read_training_pairs(tmp_path)
    with pytest.raises(InputError, match="is this an adapter folder"):
        read_training_pairs(tmp_path / "nothing")
