"""Embedding speed: the ONNX MiniLM (the CPU default) against sentence-transformers on the
same texts in the same process, alternated so that load hits both alike, and the largest
difference between their vectors.

Target: ingestion at least as fast as with sentence-transformers (ratio >= 1.0).

    .venv/bin/python bench/embed.py [--n 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np

from advisor.rag.chunking import chunk_document
from advisor.rag.documents import load_file
from advisor.rag.models import MiniLMEmbedder, SentenceTransformerEmbedder
from advisor.settings import Settings


def texts(n: int) -> list[str]:
    """Chunks of the demo corpus, repeated with a counter to reach n."""
    chunks = [
        c.indexed_text
        for f in sorted((ROOT / "demo_corpus").iterdir())
        if f.is_file() and f.suffix in (".md", ".html", ".txt", ".pdf", ".docx")
        for c in chunk_document(load_file(f))
    ]
    return [f"{chunks[i % len(chunks)]} ({i})" for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    batch = texts(args.n)
    onnx, torch_st = MiniLMEmbedder(Settings().model_cache), SentenceTransformerEmbedder()
    onnx.encode(batch[:8])
    torch_st.encode(batch[:8])  # warm both
    times: dict[str, list[float]] = {"onnx": [], "sentence-transformers": []}
    for _ in range(args.rounds):
        for name, model in (("onnx", onnx), ("sentence-transformers", torch_st)):
            start = time.perf_counter()
            model.encode(batch)
            times[name].append(time.perf_counter() - start)
    a, b = np.array(onnx.encode(batch[:200])), np.array(torch_st.encode(batch[:200]))
    cosine = (a * b).sum(1)
    for name, t in times.items():
        med = statistics.median(t)
        print(f"{name:<22} {med:6.2f} s for {args.n} chunks  ({args.n / med:,.0f} chunks/s)")
    ratio = statistics.median(times["sentence-transformers"]) / statistics.median(times["onnx"])
    print(f"onnx speed-up over sentence-transformers: {ratio:.2f}x (target >= 1.0)")
    print(f"lowest cosine between the two on 200 chunks: {cosine.min():.7f}")


if __name__ == "__main__":
    main()
