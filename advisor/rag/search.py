"""Dense search, BM25, and their fusion; optional re-ranking.

Fusion (hybrid mode) is score-normalised by default: each retriever's scores for a query
are divided by its best score for that query, then summed with the dense weight. A
retriever that clearly separates its top chunk (a rare exact term for BM25, a close
paraphrase for dense) moves the order more than one whose candidates all score alike.
Chosen on the tune halves of both evaluation sets (bench/retrieval.py); weighted
reciprocal rank fusion (`fusion="rrf"`) is kept for comparison.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Literal, Protocol

from advisor.rag.store import DenseHit, StoredChunk

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
Fusion = Literal["score", "rrf"]
RRF_K = 60  # the constant of Cormack et al.; damps the weight of the very top ranks
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")

log = logging.getLogger(__name__)


def tokenize(text: str) -> list[str]:
    """Lower-case words and numbers; "KD-SL4" gives "kd", "sl4"; "4.5" stays one token."""
    return _TOKEN.findall(text.lower())


class DenseSearch(Protocol):
    def dense(self, vector: list[float], k: int) -> list[DenseHit]: ...
    def all_chunks(self) -> list[StoredChunk]: ...
    def count(self) -> int: ...


@dataclass
class Hit:
    chunk: StoredChunk
    score: float
    scores: dict[str, float] = field(default_factory=dict)  # per retriever, and its rank
    ranks: dict[str, int] = field(default_factory=dict)


class BM25Index:
    """BM25 (bm25s, sparse matrices: ~0.1 ms a query at 10k chunks) over one collection."""

    def __init__(self, chunks: list[StoredChunk]) -> None:
        import bm25s

        self.chunks = chunks
        self._bm25 = None
        if chunks:
            self._bm25 = bm25s.BM25()
            self._bm25.index([tokenize(c.indexed_text) for c in chunks], show_progress=False)
            self._vocab = self._bm25.vocab_dict

    def search(self, query: str, k: int) -> list[tuple[StoredChunk, float]]:
        terms = [t for t in tokenize(query) if self._bm25 is not None and t in self._vocab]
        if not terms:
            return []
        import numpy as np

        scores = self._bm25.get_scores(terms)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]


def rrf(
    rankings: dict[str, list[str]], weights: dict[str, float], k: int = RRF_K
) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum over retrievers of weight / (k + rank)."""
    fused: dict[str, float] = {}
    for name, ids in rankings.items():
        w = weights.get(name, 0.0)
        for rank, cid in enumerate(ids, start=1):
            fused[cid] = fused.get(cid, 0.0) + w / (k + rank)
    return fused


def fuse_scores(scores: dict[str, dict[str, float]], weights: dict[str, float]) -> dict[str, float]:
    """Score-normalised fusion: sum over retrievers of weight * score / best score.

    A chunk a retriever did not return gets nothing from it; a retriever whose best
    score is not positive (no match) adds nothing.
    """
    fused: dict[str, float] = {}
    for name, by_id in scores.items():
        best = max(by_id.values(), default=0.0)
        w = weights.get(name, 0.0)
        for cid, score in by_id.items():
            share = w * score / best if best > 0 else 0.0
            fused[cid] = fused.get(cid, 0.0) + max(share, 0.0)
    return fused


class Reranker(Protocol):
    def score(self, query: str, texts: list[str]) -> list[float]: ...


class Searcher:
    """Hybrid search over one store. The BM25 index is rebuilt only when the store changes."""

    def __init__(
        self,
        store: DenseSearch,
        embed,
        dense_weight: float = 0.7,
        reranker: Reranker | None = None,
        fusion: Fusion = "score",
    ) -> None:
        self.store = store
        self.embed = embed  # callable: list[str] -> list[vector]
        self.weights = {"dense": dense_weight, "bm25": 1.0 - dense_weight}
        self.reranker = reranker
        self.fusion = fusion
        self._bm25: BM25Index | None = None
        self._bm25_count = -1

    def invalidate(self) -> None:
        """Forget the BM25 index (after this process changed the store)."""
        self._bm25, self._bm25_count = None, -1

    def bm25(self) -> BM25Index:
        count = self.store.count()
        # A count change also catches other processes' writes; same-size replacements made
        # elsewhere are picked up after `invalidate` or a restart.
        if self._bm25 is None or count != self._bm25_count:
            self._bm25, self._bm25_count = BM25Index(self.store.all_chunks()), count
        return self._bm25

    def search(
        self, query: str, k: int = 5, mode: Mode = "hybrid", timings: dict[str, float] | None = None
    ) -> list[Hit]:
        """The top `k` chunks for `query`, with each retriever's score and rank."""
        t = timings if timings is not None else {}
        pool = max(4 * k, 20)  # fuse from a deeper pool than we return
        hits: dict[str, Hit] = {}
        rankings: dict[str, list[str]] = {}
        raw: dict[str, dict[str, float]] = {}
        if mode in ("hybrid", "dense"):
            start = time.perf_counter()
            vector = self.embed([query])[0]
            t["embed_query"] = time.perf_counter() - start
            start = time.perf_counter()
            dense = self.store.dense(vector, pool)
            t["dense"] = time.perf_counter() - start
            rankings["dense"] = [h.chunk.id for h in dense]
            raw["dense"] = {h.chunk.id: h.similarity for h in dense}
            for rank, h in enumerate(dense, 1):
                hit = hits.setdefault(h.chunk.id, Hit(h.chunk, 0.0))
                hit.scores["dense"], hit.ranks["dense"] = h.similarity, rank
        if mode in ("hybrid", "bm25"):
            start = time.perf_counter()
            sparse = self.bm25().search(query, pool)
            t["bm25"] = time.perf_counter() - start
            rankings["bm25"] = [c.id for c, _ in sparse]
            raw["bm25"] = {c.id: s for c, s in sparse}
            for rank, (c, s) in enumerate(sparse, 1):
                hit = hits.setdefault(c.id, Hit(c, 0.0))
                hit.scores["bm25"], hit.ranks["bm25"] = s, rank
        weights = self.weights if mode == "hybrid" else {mode: 1.0}
        fused = fuse_scores(raw, weights) if self.fusion == "score" else rrf(rankings, weights)
        for cid, score in fused.items():
            hits[cid].score = score
            hits[cid].scores["fused"] = score
        ranked = sorted(hits.values(), key=lambda h: -h.score)
        if self.reranker is not None and ranked:
            start = time.perf_counter()
            head = ranked[:pool]
            for h, s in zip(
                head, self.reranker.score(query, [h.chunk.text for h in head]), strict=False
            ):
                h.scores["rerank"] = s
                h.score = s
            ranked = sorted(head, key=lambda h: -h.score)
            t["rerank"] = time.perf_counter() - start
        log.debug(
            "%s search for %r: %s",
            mode,
            query[:60],
            ", ".join(f"{name} {sec * 1000:.1f} ms" for name, sec in t.items()),
        )
        return ranked[:k]
