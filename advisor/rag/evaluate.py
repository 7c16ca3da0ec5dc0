"""Retrieval quality on a question set with reference documents: hit@k and MRR per mode.

A question scores at the document level: its rank is the position of the first of the top
k chunks that comes from one of its reference documents, compared by file name (no such
chunk: a miss). Hit@k is the share of questions with a rank, MRR the mean of 1/rank (0 for
a miss), overall and per tag. The one place these are computed: `advisor eval-retrieval`,
the comparison's retrieval scores (advisor.compare.scoring) and the benchmarks use it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from advisor.questionsets.model import Question
from advisor.questionsets.split import half
from advisor.rag.search import MODES

# search(question, k, mode) -> hits, each with `.chunk.document`
Search = Callable[[str, int, str], Sequence]


@dataclass(frozen=True)
class ModeScore:
    mode: str
    k: int
    n: int
    hit_at_k: float
    mrr: float
    p50_ms: float
    ranks: dict[str, int | None] = field(default_factory=dict)  # question id -> rank
    by_tag: dict[str, tuple[float, float]] = field(default_factory=dict)  # tag -> (hit@k, MRR)

    def as_dict(self) -> dict[str, object]:
        return {
            "hit_at_k": round(self.hit_at_k, 4),
            "mrr": round(self.mrr, 4),
            "p50_ms": round(self.p50_ms, 2),
            "n": self.n,
            "ranks": self.ranks,
        }


def document_key(name: str) -> str:
    """Documents compare by file name, casefolded: "updates/SLA.md" is "sla.md"."""
    return PurePosixPath(name.replace("\\", "/")).name.casefold()


def rank(retrieved: Sequence[str], references: Iterable[str]) -> int | None:
    """The 1-based position of the first retrieved document that is a reference document
    (None: a miss)."""
    refs = {document_key(d) for d in references}
    return next((i for i, d in enumerate(retrieved, 1) if document_key(d) in refs), None)


def hit_and_mrr(ranks: Iterable[int | None]) -> tuple[float, float]:
    """(hit@k, MRR) of some questions' ranks: the share with a rank, the mean of 1/rank
    (0 for a miss); (0, 0) for no questions."""
    ranks = list(ranks)
    if not ranks:
        return 0.0, 0.0
    return (
        sum(r is not None for r in ranks) / len(ranks),
        sum(1 / r for r in ranks if r) / len(ranks),
    )


def select(questions: Iterable[Question], split: str = "all") -> list[Question]:
    """The questions of one half (`all`: every question) that name a reference document.
    A reworded twin is its original in other words, with the same documents: it is
    scored once, as the original."""
    return [q for q in half(questions, split) if q.documents and q.variant_of is None]


def evaluate(search: Search, questions: Sequence[Question], mode: str, k: int = 5) -> ModeScore:
    """Hit@k, MRR (overall and per tag) and the median time per query of one mode."""
    ranks: dict[str, int | None] = {}
    times: list[float] = []
    for q in questions:
        start = time.perf_counter()
        hits = search(q.question, k, mode)
        times.append(time.perf_counter() - start)
        ranks[q.id] = rank([h.chunk.document for h in hits][:k], q.documents)
    hit, mrr = hit_and_mrr(ranks.values())
    p50 = statistics.median(times) * 1000 if times else 0.0
    tags = sorted({q.tag for q in questions if q.tag})
    by_tag = {t: hit_and_mrr(ranks[q.id] for q in questions if q.tag == t) for t in tags}
    return ModeScore(mode, k, len(ranks), hit, mrr, p50, ranks, by_tag)


def evaluate_modes(
    search: Search, questions: Sequence[Question], k: int = 5, modes: Sequence[str] = MODES
) -> dict[str, ModeScore]:
    """Every mode on the same questions; each mode is warmed up once before timing."""
    out = {}
    for mode in modes:
        if questions:
            search(questions[0].question, k, mode)  # first query may build the BM25 index
        out[mode] = evaluate(search, questions, mode, k)
    return out


def best_mode(scores: dict[str, ModeScore], prefer: str = "hybrid") -> str:
    """Highest MRR, then hit@k; a tie goes to `prefer` (the default changes nothing)."""
    return max(scores, key=lambda m: (round(scores[m].mrr, 9), scores[m].hit_at_k, m == prefer))


def table(scores: dict[str, ModeScore], marks: dict[str, str] | None = None) -> str:
    """The modes side by side: hit@k, MRR, p50 latency per query, and a note per mode."""
    k = next(iter(scores.values())).k if scores else 5
    rows = [f"  {'mode':<8} {'hit@' + str(k):>7} {'MRR':>7} {'p50 ms':>8}"]
    for mode, s in scores.items():
        note = (marks or {}).get(mode, "")
        rows.append(
            f"  {mode:<8} {s.hit_at_k:>7.3f} {s.mrr:>7.3f} {s.p50_ms:>8.1f}  {note}".rstrip()
        )
    return "\n".join(rows)
