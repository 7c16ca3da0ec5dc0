"""Retrieval quality on a question set with reference documents: hit@k and MRR per mode.

A question scores at the document level: its rank is the position of the first of the top
k chunks that comes from one of its reference documents (no such chunk: a miss). Hit@k is
the share of questions with a rank, MRR the mean of 1/rank (0 for a miss).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from advisor.rag.golden import GoldenSet
from advisor.rag.search import MODES

# search(question, k, mode) -> hits, each with `.chunk.document`
Search = Callable[[str, int, str], Sequence]


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    documents: tuple[str, ...]
    tag: str | None = None
    split: str | None = None  # tune | test | None (then only in "all")


@dataclass(frozen=True)
class ModeScore:
    mode: str
    k: int
    n: int
    hit_at_k: float
    mrr: float
    p50_ms: float
    ranks: dict[str, int | None] = field(default_factory=dict)  # question id -> rank

    def as_dict(self) -> dict[str, object]:
        return {
            "hit_at_k": round(self.hit_at_k, 4),
            "mrr": round(self.mrr, 4),
            "p50_ms": round(self.p50_ms, 2),
            "n": self.n,
            "ranks": self.ranks,
        }


def from_golden(golden: GoldenSet) -> list[EvalQuestion]:
    return [
        EvalQuestion(q.id, q.question, tuple(q.documents), q.tag, q.split) for q in golden.questions
    ]


def select(questions: Iterable[EvalQuestion], split: str = "all") -> list[EvalQuestion]:
    """The questions of one half (`all`: every question) that name a reference document."""
    return [q for q in questions if q.documents and (split == "all" or q.split == split)]


def evaluate(search: Search, questions: Sequence[EvalQuestion], mode: str, k: int = 5) -> ModeScore:
    ranks: dict[str, int | None] = {}
    times: list[float] = []
    for q in questions:
        start = time.perf_counter()
        hits = search(q.question, k, mode)
        times.append(time.perf_counter() - start)
        docs = [h.chunk.document for h in hits][:k]
        ranks[q.id] = next((i for i, d in enumerate(docs, 1) if d in q.documents), None)
    n = len(ranks)
    hit = sum(r is not None for r in ranks.values()) / n if n else 0.0
    mrr = sum(1 / r for r in ranks.values() if r) / n if n else 0.0
    p50 = statistics.median(times) * 1000 if times else 0.0
    return ModeScore(mode, k, n, hit, mrr, p50, ranks)


def evaluate_modes(
    search: Search, questions: Sequence[EvalQuestion], k: int = 5, modes: Sequence[str] = MODES
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
