"""Retrieval quality on every evaluation set x every mode, tune and test halves.

.venv/bin/python bench/retrieval.py [--candidates]

Each set (demo_corpus/, eval_corpus/, eval_docs/) is ingested once with the defaults. The main table
gives hit@5, MRR and p50 latency per query (query embedding included, measured in this
process, with the bare query embedding as the baseline) for dense, BM25 and the default
hybrid on both halves. `--candidates` also prints the fusion candidates on the TUNE halves
only: that is where the default was chosen; the test halves are only ever reported.
"""

from __future__ import annotations

import hashlib
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.questionsets.files import load_question_file
from advisor.rag.evaluate import evaluate, evaluate_modes, hit_and_mrr, select
from advisor.rag.models import MiniLMEmbedder
from advisor.rag.pipeline import RagPipeline
from advisor.rag.search import Searcher, tokenize
from advisor.settings import Settings

SETS = {
    "demo": ROOT / "demo_corpus",
    "fen (eval_corpus)": ROOT / "eval_corpus",
    "rclone docs (eval_docs)": ROOT / "eval_docs",
}
K = 5


class CachedEmbedder:
    """The real embedder; a query embedded once is reused (quality runs, not latency)."""

    def __init__(self, inner: MiniLMEmbedder) -> None:
        self.inner, self.name, self.dim, self.max_tokens = inner, inner.name, inner.dim, 256
        self.seen: dict[str, list[float]] = {}

    def encode(self, texts: list[str]) -> list[list[float]]:
        if len(texts) != 1:
            return self.inner.encode(texts)
        if texts[0] not in self.seen:
            self.seen[texts[0]] = self.inner.encode(texts)[0]
        return [self.seen[texts[0]]]


def main_table(embedder: MiniLMEmbedder, pipelines: dict[str, RagPipeline]) -> None:
    s = Settings()
    print(
        f"Retrieval by mode (document-level, k={K}; hybrid = {s.fusion} fusion, dense weight "
        f"{s.dense_weight}; chosen on the tune halves):"
    )
    print(f"  {'set':<18} {'half':<5} {'mode':<7} {'hit@5':>6} {'MRR':>6} {'p50 ms':>7}  note")
    for name, p in pipelines.items():
        questions = select(load_question_file(SETS[name] / "golden.yaml").questions)
        p.searcher.embed = embedder.encode  # the real embedder: latency is measured
        for half in ("tune", "test"):
            scores = evaluate_modes(p.retrieve, select(questions, half), K)
            best_single = max(scores["dense"].mrr, scores["bm25"].mrr)
            best_hit = max(scores["dense"].hit_at_k, scores["bm25"].hit_at_k)
            for mode, sc in scores.items():
                note = ""
                if mode == "hybrid":
                    ok = sc.mrr >= best_single and sc.hit_at_k >= best_hit
                    note = f"default; >= better single retriever: {'yes' if ok else 'NO'}"
                print(
                    f"  {name:<18} {half:<5} {mode:<7} {sc.hit_at_k:>6.3f} {sc.mrr:>6.3f} "
                    f"{sc.p50_ms:>7.1f}  {note}".rstrip()
                )
        texts = [q.question for q in questions]
        base = []
        for t in texts:
            start = time.perf_counter()
            embedder.encode([t])
            base.append(time.perf_counter() - start)
        hybrid = evaluate(p.retrieve, select(questions), "hybrid", K).p50_ms
        ratio = hybrid / (statistics.median(base) * 1000)
        print(
            f"  {name}: {p.store.count()} chunks; hybrid p50 {hybrid:.1f} ms = {ratio:.2f}x the "
            f"query embedding alone ({statistics.median(base) * 1000:.1f} ms), same process"
        )


# --- candidates (tune halves only) -------------------------------------------------------
CODE = re.compile(r"\b(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b")
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def pseudo_queries(p: RagPipeline, n: int = 80) -> list[tuple[str, str]]:
    """(query, source chunk id) drawn from the collection's own chunks: no labels."""
    rng = random.Random(0)
    chunks = sorted(p.store.all_chunks(), key=lambda c: hashlib.sha256(c.id.encode()).hexdigest())
    out = []
    for c in chunks[:n]:
        sentences = [s for s in SENTENCE.split(c.text.replace("\n", " ")) if len(s.split()) >= 6]
        if sentences:  # half the words dropped: a query shares words with its source, not all
            words = rng.choice(sentences).split()
            out.append((" ".join(w for w in words if rng.random() < 0.5), c.id))
    return out


def calibrated_weight(p: RagPipeline) -> float:
    """The dense weight whose fusion best finds each pseudo-query's source chunk."""
    queries = pseudo_queries(p)
    best, best_mrr = 0.5, -1.0
    for w in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        s = Searcher(p.store, p.searcher.embed, w)
        ranks = []
        for q, cid in queries:
            ids = [h.chunk.id for h in s.search(q, 20, "hybrid")]
            ranks.append(ids.index(cid) + 1 if cid in ids else None)
        _, mrr = hit_and_mrr(ranks)
        if mrr > best_mrr + 1e-9:
            best, best_mrr = w, mrr
    return best


def candidates_for(p: RagPipeline, questions: list) -> dict[str, tuple[float, float]]:
    """(MRR, hit@5) of each candidate on these questions; one BM25 index shared by all."""
    embed, bm25 = p.searcher.embed, p.searcher.bm25()

    def searcher(w: float, fusion: str = "score") -> Searcher:
        s = Searcher(p.store, embed, w, fusion=fusion)  # type: ignore[arg-type]
        s._bm25, s._bm25_count = bm25, p.store.count()
        return s

    def run(search, mode: str = "hybrid") -> tuple[float, float]:
        sc = evaluate(search, questions, mode, K)
        return sc.mrr, sc.hit_at_k

    found = {m: run(p.retrieve, m) for m in ("dense", "bm25")}
    for w in (0.3, 0.5, 0.7):
        found[f"rrf w={w}"] = run(searcher(w, "rrf").search)
        found[f"score w={w}"] = run(searcher(w).search)
    w_cal = calibrated_weight(p)
    print(f"  {p.store.count()} chunks: the pseudo-query calibration picks dense weight {w_cal}")
    found["score, pseudo-query weight"] = run(searcher(w_cal).search)
    codes, plain = searcher(0.3), searcher(0.7)

    def by_query(q: str, k: int, mode: str) -> list:
        rare = any(all(t in bm25._vocab for t in tokenize(m)) for m in CODE.findall(q))
        return (codes if rare else plain).search(q, k, mode)  # type: ignore[arg-type]

    found["score, codes -> w=0.3"] = run(by_query)
    return found


def candidates(pipelines: dict[str, RagPipeline]) -> None:
    print("\nFusion candidates on the TUNE halves (MRR / hit@5); the default is picked here:")
    rows: dict[str, dict[str, tuple[float, float]]] = {}
    for name, p in pipelines.items():
        questions = select(load_question_file(SETS[name] / "golden.yaml").questions, "tune")
        for cand, v in candidates_for(p, questions).items():
            rows.setdefault(cand, {})[name] = v
    print(f"  {'candidate':<36}" + "".join(f"{n:>22}" for n in pipelines))
    for cand, per in rows.items():
        cells = "".join(f"{per[n][0]:>14.3f} / {per[n][1]:.3f}" for n in pipelines)
        print(f"  {cand:<36}{cells}")


def main() -> None:
    embedder = MiniLMEmbedder(Settings().model_cache)
    cached = CachedEmbedder(embedder)
    with tempfile.TemporaryDirectory() as tmp:
        pipelines = {}
        for name, folder in SETS.items():
            settings = Settings(data_dir=Path(tmp) / re.sub(r"\W", "", name))
            pipelines[name] = RagPipeline(settings, "bench-retrieval", embedder=cached)
            pipelines[name].ingest([folder])
        if "--candidates" in sys.argv:
            candidates(pipelines)
        main_table(embedder, pipelines)


if __name__ == "__main__":
    main()
