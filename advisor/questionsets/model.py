"""A question set: evaluation questions with their reference answers and documents.

Every reader of questions builds these: a file (advisor.questionsets.files), questions
typed one per line (`typed_questions`), or questions generated from the documents
(advisor.compare.questions). A golden question's `reworded` twin (same fact, other words)
is a question of its own, id + "r" (q03 -> q03r) with `variant_of` naming the original:
against an adapter, the trained wording and the reworded one show apart what it memorised
from what it learned. What a caller needs of a question (a reference answer, reference
documents) it asks for with `require`, whose errors name the file, line and field.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

from advisor.errors import InputError, Problem
from advisor.words import normalise

Source = Literal["golden", "typed", "generated"]
Relation = Literal["trained", "paraphrase", "unseen"]
Split = Literal["tune", "test"]
# Not the question's content: labels against an adapter, the evaluation half, the place
# in its file. A run's stamp (content_hash) leaves them out.
_NOT_CONTENT = ("relation", "split", "place")


@dataclass(frozen=True)
class Place:
    """Where a question is written: its file, line and field path ("questions[3]." in
    YAML; CSV columns are bare names)."""

    file: str
    line: int | None = None
    prefix: str = ""


@dataclass(frozen=True)
class Question:
    """One question; `answer` is the reference (None: correctness not applicable)."""

    id: str
    question: str
    answer: str | None = None
    documents: list[str] = field(default_factory=list)
    tag: str | None = None  # exact-term / paraphrased / multi-hop; fact / summary when generated
    updated_answer: str | None = None  # the answer once the documents are updated
    source: Source = "golden"
    relation: Relation | None = None  # None until labelled against an adapter
    variant_of: str | None = None  # the id of the question this one rewords
    unanswerable: bool = False  # the documents do not answer it: the right answer abstains
    # tune: settings may be chosen on it; test: only ever reported (questionsets.split)
    split: Split | None = None
    place: Place | None = field(default=None, compare=False, repr=False)

    def problem(self, name: str, message: str, origin: str | None = None) -> Problem:
        """A Problem with field `name` of this question, at its place in its file."""
        if self.place is None:
            return Problem(message, origin, None, f"{self.id}.{name}")
        p = self.place
        return Problem(message, p.file, p.line, p.prefix + name)


@dataclass(frozen=True)
class QuestionSet:
    """The questions of one run, with a hash of their content for the run's stamp."""

    name: str
    questions: list[Question]
    sha256: str
    origin: str  # the file's path, "typed" or "generated"

    def originals(self) -> list[Question]:
        """The questions as written: without the reworded twins."""
        return [q for q in self.questions if q.variant_of is None]

    def first(self, n: int) -> QuestionSet:
        """The first `n` questions (a quick look before the whole set); itself when n
        covers them all. Named and hashed as what it is, so a run's stamp says so."""
        if n < 1:
            raise InputError(Problem(f"must be at least 1 (got {n})", field="first"))
        if n >= len(self.questions):
            return self
        kept = self.questions[:n]
        name = f"{self.name} (first {n} of {len(self.questions)})"
        return replace(self, name=name, questions=kept, sha256=content_hash(kept))

    def with_updated_answers(self, typed: dict[str, str]) -> QuestionSet:
        """The set with new answers typed for some questions (question id -> the answer
        once the documents are updated); blanks are ignored, the hash follows the content."""
        given = {k: " ".join(v.split()) for k, v in typed.items() if v and v.strip()}
        if not given:
            return self
        kept = [
            replace(q, updated_answer=given[q.id]) if q.id in given else q for q in self.questions
        ]
        return replace(self, questions=kept, sha256=content_hash(kept))

    def counts(self) -> dict[str, int]:
        """How many questions per relation (unlabelled ones under "none")."""
        out: dict[str, int] = {}
        for q in self.questions:
            out[q.relation or "none"] = out.get(q.relation or "none", 0) + 1
        return out


def content_hash(questions: Sequence[Question]) -> str:
    """sha256 of the questions' content: whitespace and file format do not change it, nor
    the labels against an adapter, the evaluation half or where a question is written."""
    rows = [{k: v for k, v in asdict(q).items() if k not in _NOT_CONTENT} for q in questions]
    text = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_set(name: str, questions: list[Question], origin: str) -> QuestionSet:
    return QuestionSet(name, questions, content_hash(questions), origin)


def require(qs: QuestionSet, *names: str, why: str = "") -> None:
    """Every question has these fields (`answer`, `documents`, ...), or an InputError
    naming the file, line and field of each one that lacks one; `why` says what needs it.
    A reworded twin has its original's answer and documents: the original answers for it."""
    because = f": {why}" if why else ""
    problems = [
        q.problem(name, f"no {name.replace('_', ' ')}{because}", qs.origin)
        for q in qs.originals()
        for name in names
        if not getattr(q, name)
    ]
    if problems:
        raise InputError(problems)


def combine(sets: Sequence[QuestionSet]) -> QuestionSet:
    """Several question sets asked as one (answerable and unanswerable ones together);
    an id two sets share is prefixed with its set's name, a repeated question is refused."""
    if len(sets) == 1:
        return sets[0]
    counts = Counter(q.id for qs in sets for q in qs.questions)

    def own(qs: QuestionSet, qid: str | None) -> str | None:
        return f"{qs.name}:{qid}" if qid is not None and counts[qid] > 1 else qid

    seen: dict[str, str] = {}
    out: list[Question] = []
    for qs in sets:
        for q in qs.questions:
            key = normalise(q.question)
            if key in seen:
                raise InputError(
                    Problem(f"the same question is in {seen[key]} too", qs.origin, None, q.id)
                )
            seen[key] = qs.origin
            out.append(replace(q, id=own(qs, q.id) or q.id, variant_of=own(qs, q.variant_of)))
    return make_set(" + ".join(s.name for s in sets), out, " + ".join(s.origin for s in sets))


def typed_questions(lines: Sequence[str]) -> QuestionSet:
    """Questions typed one per line, each optionally followed by `| reference answer`
    (scored then; without one, correctness is n/a); blanks and repeats dropped."""
    questions: list[Question] = []
    seen: set[str] = set()
    for line in lines:
        text, _, reference = (" ".join(part.split()) for part in line.partition("|"))
        if text and normalise(text) not in seen:
            seen.add(normalise(text))
            n = f"t{len(questions) + 1}"
            questions.append(Question(n, text, answer=reference or None, source="typed"))
    if not questions:
        raise InputError(Problem("no questions: type at least one question, one per line"))
    return make_set("typed", questions, "typed")
