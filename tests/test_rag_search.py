"""Fusion arithmetic and BM25 scoring, on small exact cases."""

import pytest

from advisor.rag.search import BM25Index, Searcher, rrf, tokenize
from advisor.rag.store import DenseHit, StoredChunk


def _chunk(cid: str, text: str) -> StoredChunk:
    return StoredChunk(cid, text, f"{cid}.md", cid, 0, "", None)


def test_tokenize_keeps_codes_and_decimals():
    assert tokenize("KD-SL4 carries 4.5 kg; E-217!") == [
        "kd",
        "sl4",
        "carries",
        "4.5",
        "kg",
        "e",
        "217",
    ]


def test_rrf_by_hand():
    fused = rrf({"dense": ["a", "b"], "bm25": ["b", "c"]}, {"dense": 0.6, "bm25": 0.4}, k=60)
    assert fused["a"] == pytest.approx(0.6 / 61)
    assert fused["b"] == pytest.approx(0.6 / 62 + 0.4 / 61)
    assert fused["c"] == pytest.approx(0.4 / 62)
    assert max(fused, key=fused.get) == "b"  # found by both retrievers


def test_bm25_finds_exact_terms():
    index = BM25Index(
        [
            _chunk("a", "error E-217 means propeller imbalance"),
            _chunk("b", "the drone flies for 38 minutes"),
            _chunk("c", "error codes are listed in the manual"),
        ]
    )
    hits = index.search("what is E-217", 3)
    assert hits[0][0].id == "a"
    assert all(score > 0 for _, score in hits)


class FakeStore:
    def __init__(self, chunks, dense_order):
        self.chunks, self.dense_order = chunks, dense_order

    def dense(self, vector, k):
        by_id = {c.id: c for c in self.chunks}
        return [DenseHit(by_id[i], 1.0 - n / 10) for n, i in enumerate(self.dense_order[:k])]

    def all_chunks(self):
        return self.chunks

    def count(self):
        return len(self.chunks)


CHUNKS = [
    _chunk("a", "refund within 45 days"),
    _chunk("b", "warranty of 24 months"),
    _chunk("c", "error E-217 propeller"),
]


def test_modes_and_weights():
    store = FakeStore(CHUNKS, ["b", "a", "c"])
    s = Searcher(store, lambda texts: [[0.0]] * len(texts), dense_weight=0.65, fusion="rrf")
    assert [h.chunk.id for h in s.search("E-217", 3, "dense")] == ["b", "a", "c"]
    assert [h.chunk.id for h in s.search("E-217", 3, "bm25")] == ["c"]
    hybrid = s.search("E-217", 3, "hybrid")
    # c is dense rank 3 and BM25 rank 1: 0.65/63 + 0.35/61 beats b's 0.65/61
    assert hybrid[0].chunk.id == "c"
    assert hybrid[0].scores["fused"] == pytest.approx(0.65 / 63 + 0.35 / 61)
    assert hybrid[0].ranks == {"dense": 3, "bm25": 1}


def test_bm25_index_is_rebuilt_when_the_store_changes():
    store = FakeStore(CHUNKS[:2], ["a", "b"])
    s = Searcher(store, lambda texts: [[0.0]] * len(texts))
    assert s.search("propeller", 3, "bm25") == []
    store.chunks = CHUNKS
    assert [h.chunk.id for h in s.search("propeller", 3, "bm25")] == ["c"]


class ReverseReranker:
    def score(self, query, texts):
        return [float(-i) for i in range(len(texts))][::-1]  # last candidate wins


def test_reranker_reorders_and_reports_its_score():
    store = FakeStore(CHUNKS, ["a", "b", "c"])
    s = Searcher(store, lambda texts: [[0.0]] * len(texts), reranker=ReverseReranker())
    hits = s.search("x", 3, "dense")
    assert hits[0].chunk.id == "c" and "rerank" in hits[0].scores


def test_score_fusion_is_the_default_and_keeps_each_retrievers_score():
    store = FakeStore(CHUNKS, ["b", "a", "c"])  # dense similarities 1.0, 0.9, 0.8
    s = Searcher(store, lambda texts: [[0.0]] * len(texts), dense_weight=0.65)
    hybrid = s.search("E-217", 3, "hybrid")
    # c: 0.65 * 0.8 / 1.0 + 0.35 * (its BM25 score is the best one) beats b's 0.65
    assert [h.chunk.id for h in hybrid] == ["c", "b", "a"]
    assert hybrid[0].scores["fused"] == pytest.approx(0.65 * 0.8 + 0.35)
    assert hybrid[0].scores["dense"] == pytest.approx(0.8) and hybrid[0].scores["bm25"] > 0
    assert hybrid[1].scores["fused"] == pytest.approx(0.65) and "bm25" not in hybrid[1].scores
