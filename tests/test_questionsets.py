"""Question sets (advisor.questionsets): files (YAML and CSV, good and bad, every shipped
set), typed questions, the first n, updated answers, combined sets, what a caller requires,
and the tune / test halves."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.errors import InputError
from advisor.questionsets.files import load_question_file
from advisor.questionsets.model import Question, QuestionSet, combine, require, typed_questions
from advisor.questionsets.split import assign_splits, half

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "demo_corpus" / "golden.yaml"

YAML = """\
version: 1
questions:
  - {id: a1, tag: exact-term, question: "What is the gate code?", answer: 4711, documents: [gate.md]}
  - id: a2
    question: "When does the canteen open?"
    answer: "07:30"
    reworded: "At what time can I get breakfast?"
    documents: canteen.md
  - Where do visitors park?
"""
CSV = """\
question,answer,documents,tag,updated_answer
What is the gate code?,4711,gate.md,exact-term,
"When does the canteen
open?",07:30,canteen.md;menu.md,,08:00
Where do visitors park?,,,,
"""


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_question_file(path)
    return info.value


def test_a_yaml_file_with_a_reworded_twin(tmp_path):
    qs = load_question_file(_write(tmp_path, "set.yaml", YAML))
    assert [q.id for q in qs.questions] == ["a1", "a2", "a2r", "q3"]
    a1, a2, twin, bare = qs.questions
    assert a1.answer == "4711" and a1.documents == ["gate.md"] and a1.tag == "exact-term"
    assert a2.documents == ["canteen.md"] and a2.source == "golden" and a2.relation is None
    assert twin.variant_of == "a2" and twin.answer == "07:30"
    assert bare.answer is None and bare.documents == []
    assert qs.name == "set" and qs.origin.endswith("set.yaml") and len(qs.sha256) == 64


def test_a_csv_file_and_the_same_content_hashes_alike(tmp_path):
    qs = load_question_file(_write(tmp_path, "set.csv", CSV))
    gate, canteen, park = qs.questions
    assert [q.id for q in qs.questions] == ["q1", "q2", "q3"]
    assert canteen.question == "When does the canteen open?"
    assert canteen.documents == ["canteen.md", "menu.md"] and canteen.updated_answer == "08:00"
    assert gate.tag == "exact-term" and park.answer is None and park.tag is None
    semicolons = CSV.replace(",", ";").replace("canteen.md;menu.md", "canteen.md|menu.md")
    again = load_question_file(_write(tmp_path, "semi.csv", semicolons))
    assert again.questions == qs.questions and again.sha256 == qs.sha256
    assert typed_questions(["a?"]).sha256 != qs.sha256


def test_the_demo_golden_set_loads_with_its_twins():
    qs = load_question_file(GOLDEN)
    originals = [q for q in qs.questions if q.variant_of is None]
    assert len(originals) == 45 and all(q.answer and q.documents for q in originals)
    twins = [q for q in qs.questions if q.variant_of]
    assert twins and all(q.id == q.variant_of + "r" for q in twins)
    assert load_question_file(GOLDEN).sha256 == qs.sha256


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("missing.yaml", None, "missing.yaml: file not found"),
        ("empty.yaml", "  \n", "empty.yaml: file is empty"),
        ("empty.csv", "", "empty.csv: file is empty"),
        ("set.txt", "What?", "set.txt: unsupported question file type '.txt'"),
        ("latin.csv", b"question\nWhat is \xe9?\n", "latin.csv:2: not UTF-8 text"),
        ("scalar.yaml", "just words\n", "scalar.yaml:1: expected a list of questions"),
        ("nokey.yaml", "version: 1\nitems: []\n", "nokey.yaml:1: questions: required field"),
        ("none.yaml", "questions: []\n", "none.yaml:1: questions: no questions"),
        ("broken.yaml", "questions: [\n", "broken.yaml:2: invalid YAML"),
        (
            "blank.yaml",
            "questions:\n  - question: 'Hi?'\n  - question: '  '\n",
            "blank.yaml:3: questions[1].question: question has no text",
        ),
        (
            "noq.yaml",
            "questions:\n  - question: 'Hi?'\n  - answer: '4'\n",
            "noq.yaml:3: questions[1].question: required field is missing",
        ),
        (
            "typo.yaml",
            "questions:\n  - question: 'Hi?'\n    anwser: '4'\n",
            "typo.yaml:3: questions[0].anwser: unknown field",
        ),
        (
            "clock.yaml",
            "- question: 'Open?'\n  answer: 19:00\n",
            "clock.yaml:2: [0].answer: write times in quotes, like '19:00': YAML read this one as 1140",
        ),
        (
            "item.yaml",
            "questions:\n  - 'Hi?'\n  - 42\n",
            "item.yaml:3: questions[1]: expected a question: text, or a mapping with `question:` (got 42)",
        ),
        ("quote.csv", 'question\n"Hi?\n', "quote.csv:2: not valid CSV: unexpected end of data"),
        ("nocol.csv", "text,answer\nHi?,4\n", "nocol.csv:1: question: no 'question' column"),
        ("typo.csv", "question,anwser\nHi?,4\n", "typo.csv:1: anwser: unknown column"),
        ("cell.csv", "question,answer\nHi?,1\n  ,2\n", "cell.csv:3: question: empty question"),
        ("wide.csv", "question\nHi?,extra\n", "wide.csv:2: 2 cells but the header has 1"),
        ("header.csv", "question,answer\n", "header.csv:1: no questions under the header"),
    ],
)
def test_bad_files_name_file_line_and_field(tmp_path, name, content, says):
    path = tmp_path / name if content is None else _write(tmp_path, name, content)
    assert str(_error(path)).startswith(str(tmp_path / says))


def test_duplicates_are_refused_naming_both_lines(tmp_path):
    err = _error(_write(tmp_path, "dup.csv", "id,question\nx,What is it?\nx,what is IT\n"))
    assert [str(p) for p in err.problems] == [
        f"{tmp_path / 'dup.csv'}:3: question: duplicate question: same as line 2",
        f"{tmp_path / 'dup.csv'}:3: id: duplicate id 'x': also on line 2",
    ]
    text = "questions:\n  - question: 'A?'\n    reworded: 'B?'\n  - question: 'B?'\n"
    err = _error(_write(tmp_path, "dup.yaml", text))
    assert str(err.problems[0]).endswith(
        "dup.yaml:4: questions[1].question: duplicate question: same as line 3"
    )


def test_a_file_without_reference_answers_is_valid(tmp_path):
    qs = load_question_file(_write(tmp_path, "plain.yaml", "- What is the gate code?\n- Why?\n"))
    assert [q.answer for q in qs.questions] == [None, None]


def test_typed_questions():
    qs = typed_questions(["", "  What is the gate code? ", "what is the gate code", "Why?"])
    assert [(q.id, q.question, q.answer, q.source) for q in qs.questions] == [
        ("t1", "What is the gate code?", None, "typed"),
        ("t2", "Why?", None, "typed"),
    ]
    assert qs.origin == "typed"
    with pytest.raises(InputError, match="no questions: type at least one question"):
        typed_questions(["", "   "])


def test_typed_questions_take_a_reference_after_a_bar():
    qs = typed_questions(["How long is the return window? |  45 days ", "Why? |", "Who?"])
    assert [(q.question, q.answer) for q in qs.questions] == [
        ("How long is the return window?", "45 days"),
        ("Why?", None),
        ("Who?", None),
    ]


def test_the_first_n_questions_are_a_set_of_their_own():
    qs = typed_questions(["a?", "b?", "c?"])
    two = qs.first(2)
    assert [q.question for q in two.questions] == ["a?", "b?"]
    assert two.name == "typed (first 2 of 3)" and two.sha256 != qs.sha256
    assert qs.first(3) is qs and qs.first(10) is qs
    with pytest.raises(InputError, match="first: must be at least 1"):
        qs.first(0)


def test_new_answers_typed_for_an_update_join_the_set():
    qs = typed_questions(["What is the gate code? | 4711", "Why? | because"])
    typed = qs.with_updated_answers({"t1": "  4712 ", "t2": "  "})
    assert [q.updated_answer for q in typed.questions] == ["4712", None]
    assert typed.sha256 != qs.sha256
    assert qs.with_updated_answers({"t1": ""}) is qs  # nothing typed: the same set


def test_unanswerable_sets_load_and_contradictions_name_their_line(tmp_path):
    demo = load_question_file(GOLDEN.parent / "unanswerable.yaml")  # as it ships
    assert len(demo.questions) >= 10 and all(q.unanswerable for q in demo.questions)
    assert all(q.answer is None for q in demo.questions)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "questions:\n"
        "  - {question: 'Fine?', unanswerable: true}\n"
        "  - question: 'Contradiction?'\n"
        "    answer: '42'\n"
        "    unanswerable: true\n"
    )
    with pytest.raises(InputError) as exc:
        load_question_file(bad)
    assert f"{bad}:3" in str(exc.value) and "marked unanswerable has no answer" in str(exc.value)
    whole = tmp_path / "whole.yaml"
    whole.write_text("unanswerable: true\nquestions:\n  - {question: 'Q?', answer: x}\n")
    with pytest.raises(InputError, match=r"whole\.yaml:3.*file is marked unanswerable"):
        load_question_file(whole)


def test_a_csv_marks_unanswerable_questions_and_refuses_a_contradiction(tmp_path):
    good = tmp_path / "q.csv"
    good.write_text("question,answer,unanswerable\nWhen?,07:30,\nWifi password?,,yes\n")
    qs = load_question_file(good).questions
    assert [q.unanswerable for q in qs] == [False, True]
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer,unanswerable\nWhen?,07:30,yes\nWho?,,maybe\n")
    with pytest.raises(InputError) as exc:
        load_question_file(bad)
    first, second = (str(p) for p in exc.value.problems)  # every row's mistake, by line
    assert f"{bad}:2" in first and "marked unanswerable has no answer" in first
    assert f"{bad}:3" in second and "'maybe' is not yes or no" in second


def test_sets_combine_into_one_run_with_ids_kept_apart(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("questions:\n  - {id: q1, question: 'One?', answer: '1'}\n")
    b.write_text("unanswerable: true\nquestions:\n  - {id: q1, question: 'Two?'}\n")
    both = combine([load_question_file(a), load_question_file(b)])
    assert [q.id for q in both.questions] == ["a:q1", "b:q1"]
    assert [q.unanswerable for q in both.questions] == [False, True]
    b.write_text("questions:\n  - {question: 'One?'}\n")
    with pytest.raises(InputError, match="same question"):
        combine([load_question_file(a), load_question_file(b)])


SHIPPED = [
    "demo_corpus/golden.yaml",
    "demo_corpus/unanswerable.yaml",
    "eval_corpus/golden.yaml",
    "eval_docs/golden.yaml",
    "eval_docs/unanswerable.yaml",
]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_set_loads_with_its_halves(name):
    qs = load_question_file(ROOT / name)
    assert len(qs.originals()) >= 10
    assert all(q.split in ("tune", "test") for q in qs.questions), name
    tune, test = half(qs.questions, "tune"), half(qs.questions, "test")
    assert tune and test and len(tune) + len(test) == len(qs.questions)
    assert half(qs.questions, "all") == qs.questions
    if "unanswerable" in name:
        assert all(q.unanswerable and q.answer is None for q in qs.questions)
    else:
        assert all(q.answer and q.documents for q in qs.questions)
        twins = [q for q in qs.questions if q.variant_of]
        assert all(q.split == next(o for o in qs.originals() if o.id == q.variant_of).split
                   for q in twins)  # fmt: skip


def test_splits_are_stratified_by_document_and_deterministic():
    pairs = [("a1", "a.md"), ("a2", "a.md"), ("b1", "b.md"), ("c1", "c.md"), ("c2", "c.md")]
    splits = assign_splits(pairs)
    assert splits == assign_splits(reversed(pairs))
    assert {splits["a1"], splits["a2"]} == {splits["c1"], splits["c2"]} == {"tune", "test"}
    assert sorted(splits.values()).count("tune") in (2, 3)


def test_the_split_is_not_content_and_a_csv_carries_it(tmp_path):
    plain = _write(tmp_path, "plain.csv", "question,documents\nWho?,a.md\nWhy?,b.md\n")
    halved = _write(
        tmp_path, "halved.csv", "question,documents,split\nWho?,a.md,tune\nWhy?,b.md,\n"
    )
    qs = load_question_file(halved)
    assert [q.split for q in qs.questions] == ["tune", None]
    assert qs.sha256 == load_question_file(plain).sha256  # a run's stamp ignores the half
    assert [q.id for q in half(qs.questions, "tune")] == ["q1"]
    bad = _write(tmp_path, "bad.csv", "question,split\nWho?,train\n")
    assert str(_error(bad)).startswith(f"{bad}:2: split: 'train' is not tune or test")


def test_what_a_caller_requires_is_named_by_file_line_and_field(tmp_path):
    path = _write(tmp_path, "set.yaml", YAML)
    qs = load_question_file(path)
    require(qs, "question")  # every question has its text
    with pytest.raises(InputError) as info:
        require(qs, "answer", why="a training pair needs one")
    assert [str(p) for p in info.value.problems] == [
        f"{path}:9: questions[2].answer: no answer: a training pair needs one"
    ]  # the reworded twin of a2 is not named again: its original answers for it
    with pytest.raises(InputError) as info:
        require(load_question_file(_write(tmp_path, "set.csv", CSV)), "documents")
    assert [str(p) for p in info.value.problems] == [
        f"{tmp_path / 'set.csv'}:5: documents: no documents"
    ]
    with pytest.raises(InputError, match=r"typed: t1.answer: no answer"):
        require(typed_questions(["Who?"]), "answer")
    require(QuestionSet("none", [Question("x", "Q?", "A", ["a.md"])], "0" * 64, "t"), "documents")
