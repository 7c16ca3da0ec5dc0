"""Benchmarks of the RAG pipeline. Ratios are against baselines run in the same process.

.venv/bin/python bench/rag.py [--quick]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.questionsets.files import load_question_file
from advisor.rag.chunking import Chunk, chunk_document
from advisor.rag.documents import load_file
from advisor.rag.evaluate import evaluate, select
from advisor.rag.models import MiniLMEmbedder
from advisor.rag.pipeline import RagPipeline, expand_paths
from advisor.settings import Settings

CORPUS = ROOT / "demo_corpus"


def corpus_copies(dest: Path, copies: int, grow: int = 1) -> None:
    """The demo corpus many times over, each copy a different document (text and name).

    `grow` repeats the body of text files that many times: the demo files are a few
    paragraphs each, while real documents run to pages, and a file's parsing cost is
    mostly per file.
    """
    for path in expand_paths([CORPUS]):
        for i in range(copies):
            target = dest / f"{path.stem}_{i:03d}{path.suffix}"
            if path.suffix in (".pdf", ".docx"):
                target.write_bytes(path.read_bytes() + b"\n" * (i + 1))  # same text, new id
            elif path.suffix == ".html":
                text = path.read_text()
                body = text[text.index("<main>") + 6 : text.index("</main>")]
                target.write_text(
                    text.replace("</main>", body * (grow - 1) + f"<p>Revision {i}.</p></main>")
                )
            else:
                target.write_text("\n\n".join([path.read_text()] * grow) + f"\n\nRevision {i}.\n")


def ingestion(embedder: MiniLMEmbedder, copies: int, grow: int = 1) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        corpus_copies(docs, copies, grow)
        settings = Settings(data_dir=Path(tmp) / "data")
        pipeline = RagPipeline(settings, "bench-ingest", embedder=embedder)
        # Baseline: bare encode of exactly the texts the pipeline will embed.
        texts = [
            c.indexed_text
            for p in expand_paths([docs])
            for c in chunk_document(load_file(p), settings.chunk_tokens, settings.chunk_overlap)
        ]
        embedder.encode(texts[:64])  # warm up both paths alike
        start = time.perf_counter()
        embedder.encode(texts)
        bare = time.perf_counter() - start
        start = time.perf_counter()
        results = pipeline.ingest([docs])
        full = time.perf_counter() - start
    n = sum(r.chunks for r in results)
    print(
        f"ingestion: {len(results)} files, {n} chunks (text bodies x{grow}); end to end {full:.2f} s "
        f"({n / full:.0f} chunks/s), bare encode {bare:.2f} s ({n / bare:.0f} chunks/s)"
    )
    print(f"  throughput ratio pipeline / bare encode = {bare / full:.2f}  (target >= 0.85)")


def query_latency(embedder: MiniLMEmbedder, n_chunks: int) -> None:
    rng = random.Random(7)
    words = [w for p in expand_paths([CORPUS]) for w in load_file(p).text.split()]
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = RagPipeline(Settings(data_dir=Path(tmp)), "bench-query", embedder=embedder)
        start = time.perf_counter()
        for d in range(0, n_chunks, 500):
            chunks = [
                Chunk(
                    f"doc{d:05d}",
                    f"doc{d:05d}.md",
                    i,
                    " ".join(rng.choices(words, k=60)),
                    "Section",
                    None,
                    60,
                )
                for i in range(min(500, n_chunks - d))
            ]
            pipeline.store.replace_document(
                chunks, embedder.encode([c.indexed_text for c in chunks])
            )
        print(
            f"query latency: built {pipeline.store.count()} chunks in {time.perf_counter() - start:.0f} s"
        )
        golden = load_question_file(CORPUS / "golden.yaml").originals()
        pipeline.retrieve(golden[0].question)  # first query builds the BM25 index
        base, hybrid, rrf = [], [], []
        searcher = pipeline.searcher
        for q in golden * 2:  # interleaved, so that both fusions see the same machine load
            start = time.perf_counter()
            embedder.encode([q.question])
            base.append(time.perf_counter() - start)
            searcher.fusion = "score"  # the default
            start = time.perf_counter()
            pipeline.retrieve(q.question, 5, "hybrid")
            hybrid.append(time.perf_counter() - start)
            searcher.fusion = "rrf"  # the previous default, as the baseline
            start = time.perf_counter()
            pipeline.retrieve(q.question, 5, "hybrid")
            rrf.append(time.perf_counter() - start)
        searcher.fusion = "score"
    p50, p95 = statistics.median(hybrid), statistics.quantiles(hybrid, n=20)[-1]
    print(
        f"  hybrid search (embed + dense + BM25 + score fusion, no generation): p50 "
        f"{p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms (target p50 < 25 ms)"
    )
    print(
        f"  = {p50 / statistics.median(base):.2f}x the query embedding alone "
        f"({statistics.median(base) * 1000:.1f} ms), {p50 / statistics.median(rrf):.2f}x "
        f"reciprocal-rank fusion ({statistics.median(rrf) * 1000:.1f} ms), same process"
    )


def quality(embedder: MiniLMEmbedder) -> None:
    golden = select(load_question_file(CORPUS / "golden.yaml").questions)
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = RagPipeline(Settings(data_dir=Path(tmp)), "bench-quality", embedder=embedder)
        pipeline.ingest([CORPUS])
        print(f"retrieval quality on {len(golden)} golden questions (document level, k=5):")
        for mode in ("bm25", "dense", "hybrid"):
            s = evaluate(pipeline.retrieve, golden, mode)
            tags = "  ".join(f"{t} {h:.2f}/{m:.2f}" for t, (h, m) in s.by_tag.items())
            print(f"  {mode:<7} hit@5 {s.hit_at_k:.3f}  MRR {s.mrr:.3f}   [{tags}]")


def generation() -> None:
    from advisor.llm.base_model import GGUF_FILE, gguf_dir
    from advisor.llm.embedded import EmbeddedGenerator
    from advisor.rag.prompt import build_messages
    from advisor.rag.store import StoredChunk

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        gen = EmbeddedGenerator(Path(tmp))
        first_load = time.perf_counter() - start
        start = time.perf_counter()
        EmbeddedGenerator(Path(tmp))
        cached_load = time.perf_counter() - start
    chunk = StoredChunk(
        "x:0",
        "Customers can return hardware for a full refund within 45 days of delivery.",
        "refund_policy.md",
        "x",
        0,
        "",
        None,
    )
    messages = build_messages("How long is the refund window?", [chunk.text])
    start = time.perf_counter()
    out = gen.generate(messages, 64)
    first_answer = time.perf_counter() - start
    rates = [gen.generate(messages, 64).tokens_per_second for _ in range(3)]
    print(
        f"generation (embedded SmolLM2-135M, transformers bf16): first load {first_load:.1f} s "
        f"(de-quantize + cache), cached load {cached_load:.1f} s"
    )
    print(
        f"  time to first answer {first_answer:.2f} s ({out.tokens} tokens), "
        f"{statistics.median(rates):.1f} tokens/s"
    )
    # llama.cpp runs in a child process: a native crash must not take the bench down.
    import json
    import subprocess

    probe = f"""
import json, time
from llama_cpp import Llama
llm = Llama({str(gguf_dir() / GGUF_FILE)!r}, n_ctx=2048, n_threads=2, verbose=False)
start = time.perf_counter()
r = llm.create_chat_completion(messages={messages!r}, max_tokens=64, temperature=0)
print(json.dumps({{"tokens": r["usage"]["completion_tokens"], "seconds": time.perf_counter() - start}}))
"""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        print(
            "  llama.cpp: not installed (pip install llama-cpp-python compiles it, ~5 min); "
            "no ratio measured"
        )
        return
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        print(f"  llama.cpp: the child process failed (exit {done.returncode}); no ratio measured")
        return
    r = json.loads(done.stdout.strip().splitlines()[-1])
    rate = r["tokens"] / r["seconds"]
    print(
        f"  llama.cpp on the same GGUF: {rate:.1f} tokens/s; ours / llama.cpp = "
        f"{statistics.median(rates) / rate:.2f}"
    )


def main() -> None:
    quick = "--quick" in sys.argv
    embedder = MiniLMEmbedder(Settings().model_cache)
    ingestion(embedder, copies=3 if quick else 10)  # the demo files as they are: tiny
    ingestion(embedder, copies=3 if quick else 10, grow=6)  # page-sized documents
    query_latency(embedder, 2_000 if quick else 10_000)
    quality(embedder)
    generation()


if __name__ == "__main__":
    main()
