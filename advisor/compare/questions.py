"""The questions a comparison makes itself, and what it knows of them: questions generated
from the documents, their relation to an adapter's training pairs, and those pairs.

The question set itself (Question, QuestionSet, reading files, typed questions, combining
sets) lives in advisor.questionsets. `label_relations` marks every question trained,
paraphrase or unseen relative to the adapter's training pairs; a golden question's
reworded twin (q03 -> q03r) is the paraphrase of its original.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from advisor.errors import InputError, Problem
from advisor.files import Refused, read_bounded
from advisor.questionsets.model import Question, QuestionSet, Relation
from advisor.questionsets.model import make_set as _make_set
from advisor.words import content_tokens, normalise


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
