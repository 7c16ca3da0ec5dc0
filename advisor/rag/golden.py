"""Golden questions (demo_corpus/golden.yaml) and retrieval quality: hit@k and MRR."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import InputError
from advisor.yamlio import load_yaml, validation_problems


class GoldenQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    tag: Literal["exact-term", "paraphrased", "multi-hop"]
    question: str
    answer: str
    updated_answer: str | None = None
    reworded: str | None = None  # the same question in other words (comparison only)
    documents: list[str] = Field(min_length=1)
    # tune: settings may be chosen on it; test: only ever reported (assign_splits)
    split: Literal["tune", "test"] | None = None


Split = Literal["tune", "test", "all"]


def assign_splits(questions: Iterable[tuple[str, str]]) -> dict[str, str]:
    """`tune` or `test` for each (id, first document): half each, stratified by document.

    Deterministic: within a document, questions are ordered by a hash of their id and
    alternate, and the alternation carries on from one document to the next (sorted by
    name), so a document with one question does not always land in the same half.
    """
    by_doc: dict[str, list[str]] = {}
    for qid, doc in questions:
        by_doc.setdefault(doc, []).append(qid)
    out: dict[str, str] = {}
    n = 0
    for doc in sorted(by_doc):
        for qid in sorted(by_doc[doc], key=lambda i: hashlib.sha256(i.encode()).hexdigest()):
            out[qid] = ("tune", "test")[n % 2]
            n += 1
    return out


class GoldenSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    questions: list[GoldenQuestion] = Field(min_length=1)

    def half(self, split: Split) -> list[GoldenQuestion]:
        """The questions of one half (`all`: every question, split or not)."""
        return [q for q in self.questions if split == "all" or q.split == split]


def load_golden(path: Path | str) -> GoldenSet:
    data, lines = load_yaml(path)
    try:
        return GoldenSet.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_problems(exc, lines)) from None


@dataclass(frozen=True)
class RetrievalScore:
    mode: str
    hit_at_k: float
    mrr: float
    n: int
    by_tag: dict[str, tuple[float, float]]  # tag -> (hit@k, MRR)


def retrieval_quality(search, golden: GoldenSet, mode: str, k: int = 5) -> RetrievalScore:
    """Document-level hit@k and MRR: a hit is any gold document among the top k chunks.

    `search(question, k, mode)` returns hits with `.chunk.document`.
    """
    ranks: list[tuple[str, int | None]] = []
    for q in golden.questions:
        docs = [h.chunk.document for h in search(q.question, k, mode)]
        rank = next((i for i, d in enumerate(docs, 1) if d in q.documents), None)
        ranks.append((q.tag, rank))

    def score(rows: list[tuple[str, int | None]]) -> tuple[float, float]:
        hits = sum(r is not None for _, r in rows) / len(rows)
        mrr = sum(1 / r for _, r in rows if r) / len(rows)
        return hits, mrr

    hit, mrr = score(ranks)
    tags = sorted({t for t, _ in ranks})
    return RetrievalScore(
        mode, hit, mrr, len(ranks), {t: score([r for r in ranks if r[0] == t]) for t in tags}
    )
