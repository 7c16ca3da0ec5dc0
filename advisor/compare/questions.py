"""The questions a comparison asks: from a file, typed, or generated from the documents.

A golden question's `reworded` twin (same fact, other words) is asked too, as id + "r"
(q03 -> q03r): against an adapter, the trained wording and the reworded one show apart
what it memorised from what it learned. `label_relations` marks every question trained,
paraphrase or unseen relative to the adapter's training pairs.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

from advisor.compare.qfiles import Entry, csv_entries, read_text, yaml_entries
from advisor.errors import InputError, Problem
from advisor.files import Refused, read_bounded
from advisor.words import content_tokens, normalise

Source = Literal["golden", "typed", "generated"]
Relation = Literal["trained", "paraphrase", "unseen"]


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


@dataclass(frozen=True)
class QuestionSet:
    """The questions of one run, with a hash of their content for the run's stamp."""

    name: str
    questions: list[Question]
    sha256: str
    origin: str  # the file's path, "typed" or "generated"

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
    """sha256 of the questions' content: whitespace and file format do not change it."""
    rows = [
        {k: v for k, v in asdict(q).items() if k != "relation"}  # labels depend on an adapter
        for q in questions
    ]
    text = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _make_set(name: str, questions: list[Question], origin: str) -> QuestionSet:
    return QuestionSet(name, questions, content_hash(questions), origin)


def load_question_file(path: Path | str) -> QuestionSet:
    """A YAML (golden.yaml's shape) or CSV question file; errors name file, line, field."""
    path = Path(path)
    text = read_text(path)
    name = str(path)
    is_csv = path.suffix.lower() == ".csv"
    entries = csv_entries(text, name) if is_csv else yaml_entries(text, name)
    return _make_set(path.stem, _from_entries(entries, name), name)


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
    return _make_set(" + ".join(s.name for s in sets), out, " + ".join(s.origin for s in sets))


def _from_entries(entries: list[Entry], name: str) -> list[Question]:
    """Questions in file order, each reworded twin right after its original; no duplicates."""
    questions: list[Question] = []
    problems: list[Problem] = []
    seen_text: dict[str, int] = {}
    seen_id: dict[str, int] = {}

    def add(q: Question, line: int, text_field: str, id_field: str) -> None:
        key = normalise(q.question)
        if key in seen_text:
            problems.append(
                Problem(
                    f"duplicate question: same as line {seen_text[key]}", name, line, text_field
                )
            )
        if q.id in seen_id:
            problems.append(
                Problem(
                    f"duplicate id '{q.id}': also on line {seen_id[q.id]}", name, line, id_field
                )
            )
        seen_text.setdefault(key, line)
        seen_id.setdefault(q.id, line)
        questions.append(q)

    for n, e in enumerate(entries, 1):
        f, p = e.fields, e.prefix
        qid = f.get("id") or f"q{n}"
        documents = list(f.get("documents") or [])
        q = Question(
            qid,
            f["question"],
            answer=f.get("answer"),
            documents=documents,
            tag=f.get("tag"),
            updated_answer=f.get("updated_answer"),
            unanswerable=bool(f.get("unanswerable")),
        )
        add(q, e.line, p + "question", p + "id")
        if f.get("reworded"):
            line = e.lines.get("reworded", e.line)
            twin = replace(q, id=qid + "r", question=f["reworded"], variant_of=qid)
            add(twin, line, p + "reworded", p + "reworded")
    if problems:
        raise InputError(problems)
    return questions


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
    return _make_set("typed", questions, "typed")


def generated_questions(
    chunks: Sequence[tuple[str, str, str]],
    limit: int = 20,
    seed: int = 0,
    trained_prompts: Sequence[str] = (),
    where: str = "the documents",
) -> QuestionSet:
    """Questions a person would ask about the facts of (document, heading, text) chunks,
    each with its short key as the reference, and a fifth the documents do not answer
    (advisor.questionsets.generate). Given an adapter's training prompts, its trained facts
    are asked in other words and the rest are facts it never saw, each labelled."""
    from advisor.questionsets.generate import generated_set

    planned = generated_set(chunks, limit, seed, trained_prompts, where)
    questions = [
        Question(
            f"g{n}",
            p.question,
            p.answer,
            [p.document] if p.document else [],
            p.kind,
            source="generated",
            relation=p.relation,  # type: ignore[arg-type]
            variant_of=f"g{p.variant_of + 1}" if p.variant_of is not None else None,
            unanswerable=p.answer is None,
        )
        for n, p in enumerate(planned, 1)
    ]
    return _make_set("generated", questions, "generated")


MAX_TRAIN_BYTES = 50 * 1024 * 1024  # an adapter's train.jsonl: far above any real run


def read_training_pairs(adapter_dir: Path | str) -> list[tuple[str, str]]:
    """(prompt, completion) of the adapter's train split (train.jsonl in its run folder)."""
    path = Path(adapter_dir) / "train.jsonl"
    name = str(path)
    try:
        text = read_bounded(path, MAX_TRAIN_BYTES).decode("utf-8")
    except FileNotFoundError:
        raise InputError(
            Problem("not found: is this an adapter folder from `advisor finetune`?", name)
        ) from None
    except Refused as exc:
        raise InputError(Problem(exc.reason, name)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(f"cannot read: {exc}", name)) from None
    pairs = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(Problem(f"not valid JSON: {exc.msg}", name, n)) from None
        for key in ("prompt", "completion"):
            if not isinstance(row, dict) or not isinstance(row.get(key), str):
                raise InputError(Problem("missing or not text", name, n, key))
        pairs.append((row["prompt"], row["completion"]))
    return pairs


# Words that say what kind of answer a question wants, not what it is about: two questions
# sharing only these ("How long ...?") are not about the same thing.
_ASKING_WORDS = (
    "long many much often soon far old big large number kind type mean stated say tell "
    "give get need know according"
)
_ASKING = frozenset(_ASKING_WORDS.split())


def _topic(text: str) -> set[str]:
    return set(content_tokens(text)) - _ASKING


def _same_answer(a: str, b: str) -> bool:
    """Normalised answers equal, or one holds the other as a run of whole tokens."""
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return set(content_tokens(short)) != set() and f" {short} " in f" {long_} "


def label_relations(
    qs: QuestionSet,
    trained_prompts: Sequence[str],
    trained_facts: Sequence[tuple[str, str]] | None = None,
) -> QuestionSet:
    """Label each question trained, paraphrase or unseen relative to the adapter's data.

    trained: its normalised text is a training prompt. paraphrase: it rewords a trained
    question (a golden `reworded` twin), or, given `trained_facts` (prompt, completion),
    its reference equals or contains a training answer (or the other way round) and it
    shares a topic word with that pair's prompt. The topic word is required because
    short answers recur for other facts ("90 days" is both a buddy period and a log
    retention). unseen: everything else.
    """
    prompts = {normalise(p) for p in trained_prompts}
    facts = [(_topic(p), normalise(c)) for p, c in trained_facts or ()]
    trained_ids = {q.id for q in qs.questions if normalise(q.question) in prompts}

    def relation(q: Question) -> Relation:
        if q.source == "generated" and q.relation is not None:
            return q.relation  # generated by fact: the generator knows which it trained
        if q.id in trained_ids:
            return "trained"
        if q.variant_of in trained_ids:
            return "paraphrase"
        if q.answer and facts:
            ref, topic = normalise(q.answer), _topic(q.question)
            if any(_same_answer(ref, c) and topic & t for t, c in facts):
                return "paraphrase"
        return "unseen"

    return replace(qs, questions=[replace(q, relation=relation(q)) for q in qs.questions])
