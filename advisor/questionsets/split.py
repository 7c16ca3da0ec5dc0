"""Tune and test halves of a question set.

Settings (retrieval mode, fusion weights, trust thresholds) are chosen on the `tune`
half only; the `test` half is only ever reported. Every shipped set carries a `split:`
per question, made by `assign_splits`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Literal

from advisor.questionsets.model import Question

Half = Literal["tune", "test", "all"]


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


def half(questions: Iterable[Question], which: Half | str) -> list[Question]:
    """The questions of one half, in order (`all`: every question, split or not)."""
    return [q for q in questions if which == "all" or q.split == which]
