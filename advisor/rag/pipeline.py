"""The RAG pipeline of one workspace: ingest files, forget them, answer with citations."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from advisor.llm.base import Generator
from advisor.llm.registry import make_generator  # also importable from here, as before
from advisor.rag.answer import Answer, FileResult, SourceRef, Status
from advisor.rag.answering import Context, answer_many
from advisor.rag.chunking import Chunk, chunk_document
from advisor.rag.documents import SUPPORTED, Document, LoadError, load_bytes, load_file
from advisor.rag.injection import instruction_like
from advisor.rag.models import Embedder, default_embedder
from advisor.rag.search import Hit, Mode, Reranker, Searcher
from advisor.rag.store import ChromaStore
from advisor.rag.workspace import workspace_mode
from advisor.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]  # (what, done, total)


_STATUSES: tuple[Status, ...] = ("added", "replaced", "unchanged", "skipped", "error")

# Chunks are embedded in rounds this large: the embedder sorts a round by length, which
# saves padding, and one store write per round beats one per document.
_EMBED_BATCH = 4096


@dataclass
class _Pending:
    """A document whose chunks are being embedded."""

    name: str
    chunks: list[Chunk]
    vectors: list[list[float] | None]
    existed: bool
    note: str = ""  # e.g. chunks that read like instructions to the model

    @property
    def complete(self) -> bool:
        return all(v is not None for v in self.vectors)


def expand_paths(paths: Iterable[Path | str], recursive: bool = False) -> list[Path]:
    """Files named directly, plus the supported files in named folders.

    A link in a folder that leads out of it is left out (see `links_leaving`): ingesting
    a folder never reads a file the user did not put there, such as /etc/passwd.
    """
    return _walk(paths, recursive)[0]


def links_leaving(paths: Iterable[Path | str], recursive: bool = False) -> list[Path]:
    """The links in named folders that `expand_paths` leaves out: they lead elsewhere."""
    return _walk(paths, recursive)[1]


def _walk(paths: Iterable[Path | str], recursive: bool) -> tuple[list[Path], list[Path]]:
    inside: list[Path] = []
    leaving: list[Path] = []
    for p in map(Path, paths):
        if not p.is_dir():
            inside.append(p)
            continue
        root = p.resolve()
        found = p.rglob("*") if recursive else p.iterdir()
        for f in sorted(found):
            if any(part.startswith((".", "_")) for part in f.relative_to(p).parts):
                continue
            if f.suffix.lower() not in SUPPORTED or not (f.is_file() or f.is_symlink()):
                continue
            if f.is_symlink() and not f.resolve().is_relative_to(root):
                leaving.append(f)
            elif f.is_file():
                inside.append(f)
    return inside, leaving


def _note(chunks: list[Chunk]) -> str:
    """What ingest says of a document whose chunks read like instructions to the model."""
    phrases = [p for p in (instruction_like(c.text, c.heading) for c in chunks) if p]
    if not phrases:
        return ""
    some = f"{len(phrases)} chunk reads" if len(phrases) == 1 else f"{len(phrases)} chunks read"
    return (
        f'{some} like instructions to the model ("{phrases[0]}"); answers that use them are flagged'
    )


def _refuse_link(path: Path) -> Document:
    raise LoadError(path.name, "a link to a file outside the folder; skipped (copy the file in)")


class RagPipeline:
    """Everything RAG for one workspace (one collection)."""

    def __init__(
        self,
        settings: Settings,
        collection: str | None = None,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.settings = settings
        self.store = ChromaStore(
            settings.data_dir, collection or settings.collection, settings.chroma_url
        )
        self._embedder = embedder
        self._generator = generator
        if reranker is None and settings.reranker_path:
            from advisor.rag.models import CrossEncoderReranker

            reranker = CrossEncoderReranker(settings.reranker_path, settings.device)
        self.searcher = Searcher(
            self.store,
            lambda texts: self.embedder.encode(texts),
            settings.dense_weight,
            reranker,
            settings.fusion,
        )

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder(self.settings.device, self.settings.model_cache)
        return self._embedder

    @property
    def chunk_size(self) -> int:
        """ADVISOR_CHUNK_TOKENS, but never more than the embedder reads: nothing is cut off."""
        window = getattr(self.embedder, "max_tokens", None)
        return min(self.settings.chunk_tokens, window) if window else self.settings.chunk_tokens

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = make_generator(self.settings)
        return self._generator

    # --- ingestion -----------------------------------------------------------------
    def ingest(
        self, paths: Iterable[Path | str], progress: Progress | None = None, recursive: bool = False
    ) -> list[FileResult]:
        """Ingest files; bad files get an error result and the rest go on."""
        max_mb = self.settings.max_file_mb
        files, leaving = _walk(paths, recursive)
        items = [(p.name, partial(load_file, p, max_mb)) for p in files]
        items += [(p.name, partial(_refuse_link, p)) for p in leaving]
        return self._ingest(items, progress)

    def ingest_bytes(
        self, files: list[tuple[str, bytes]], progress: Progress | None = None
    ) -> list[FileResult]:
        """Ingest uploaded files (name, content)."""
        max_mb = self.settings.max_file_mb
        return self._ingest([(n, partial(load_bytes, n, d, max_mb)) for n, d in files], progress)

    def _ingest(
        self, items: list[tuple[str, Callable[[], Document]]], progress: Progress | None
    ) -> list[FileResult]:
        """Load, chunk, embed and store.

        A worker thread parses the next files while this thread chunks, embeds and writes.
        Chunks are embedded in large rounds across files and written once per round.
        """
        s = self.settings
        results: list[FileResult | None] = [None] * len(items)
        queue: list[tuple[int, int]] = []  # (item, chunk) waiting for a vector
        waiting: dict[int, _Pending] = {}
        seen: set[str] = set()
        done = 0

        def finish(i: int, result: FileResult) -> None:
            nonlocal done
            results[i] = result
            done += 1
            if progress:
                progress("files", done, len(items))

        def flush(n: int) -> None:
            batch, queue[:] = queue[:n], queue[n:]
            vectors = self.embedder.encode([waiting[i].chunks[c].indexed_text for i, c in batch])
            for (i, c), v in zip(batch, vectors, strict=False):
                waiting[i].vectors[c] = v
            ready = [i for i in list(waiting) if waiting[i].complete]
            if ready:
                self.store.replace_documents(
                    [(waiting[i].chunks, waiting[i].vectors) for i in ready]
                )
                for i in ready:
                    w = waiting.pop(i)
                    status = "replaced" if w.existed else "added"
                    finish(i, FileResult(w.name, status, len(w.chunks), w.note))

        stored_ids = self.store.stored_doc_ids([name for name, _ in items])
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="advisor-load") as pool:
            futures = [pool.submit(load) for _, load in items]
            for i, future in enumerate(futures):
                name = items[i][0]
                try:
                    doc = future.result()
                except LoadError as exc:
                    finish(i, FileResult(name, "error", message=exc.reason))
                    continue
                if doc.name in seen:
                    finish(i, FileResult(doc.name, "skipped", message="same file name given twice"))
                    continue
                seen.add(doc.name)
                stored = stored_ids.get(doc.name)
                if stored == doc.doc_id:
                    finish(i, FileResult(doc.name, "unchanged"))
                    continue
                chunks = chunk_document(doc, self.chunk_size, s.chunk_overlap)
                waiting[i] = _Pending(
                    doc.name, chunks, [None] * len(chunks), stored is not None, _note(chunks)
                )
                queue += [(i, c) for c in range(len(chunks))]
                while len(queue) >= _EMBED_BATCH:
                    flush(_EMBED_BATCH)
            while queue:
                flush(_EMBED_BATCH)
        if any(r is not None and r.status in ("added", "replaced") for r in results):
            self.searcher.invalidate()
        done_results = [r for r in results if r is not None]
        if log.isEnabledFor(logging.INFO):
            counts = {st: sum(r.status == st for r in done_results) for st in _STATUSES}
            chunks = sum(r.chunks for r in done_results)
            log.info(
                "ingested %d file(s) into %s: %s; %d chunks embedded and stored",
                len(items),
                self.store.name,
                ", ".join(f"{n} {st}" for st, n in counts.items() if n),
                chunks,
            )
        for r in done_results:
            if r.status == "error":  # the caller shows it to the user: not an app fault
                log.info("could not ingest %s: %s", r.name, r.message)
        return done_results

    def forget(self, document: str) -> int:
        """Remove a document and all its chunks; returns how many chunks went."""
        removed = self.store.delete_document(document)
        log.info("forgot %s: %d chunks removed from %s", document, removed, self.store.name)
        self.searcher.invalidate()
        return removed

    def finish_purge(self) -> bool:
        """Purge the store's files of text an earlier forget left (a full disk stopped its
        purge); True when done, False for a server's store, whose files are its own."""
        return self.store.finish_purge()

    def documents(self) -> dict[str, int]:
        return self.store.documents()

    # --- answering -----------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        """The workspace's retrieval mode (`advisor retrieval-mode`), hybrid when unset."""
        return workspace_mode(self.settings.data_dir, self.store.name)

    def retrieve(
        self,
        question: str,
        k: int = 5,
        mode: Mode | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Hit]:
        return self.searcher.search(question, k, mode or self.mode, timings)

    def ask(
        self,
        question: str,
        k: int = 5,
        mode: Mode | None = None,
        generate: bool = True,
        generator: Generator | None = None,
    ) -> Answer:
        """Retrieve, then answer from the retrieved chunks with numbered citations.

        `mode` None: the workspace's mode. `generator` overrides the pipeline's own (the
        LoRA arms pass theirs).
        """
        t: dict[str, float] = {}
        mode = mode or self.mode
        if mode != "bm25":
            _ = self.embedder  # load the model before the clock starts: timings are per query
        start = time.perf_counter()
        hits = self.retrieve(question, k, mode, t)
        sources = [SourceRef.of(n, h) for n, h in enumerate(hits, 1)]
        t["retrieve"] = time.perf_counter() - start
        if not generate:
            t["total"] = time.perf_counter() - start
            return Answer(question, "", sources, t, "none", mode)
        context = Context.of_hits(hits)
        generator = generator or self.generator
        reply = answer_many([question], [context], generator, self.settings.max_new_tokens)[0]
        gen = reply.generation
        t["generate"] = gen.seconds
        t["total"] = time.perf_counter() - start
        log.info(
            "answered in %.2f s (retrieve %.3f s, generate %.2f s, %d tokens) by %s",
            t["total"],
            t["retrieve"],
            t["generate"],
            gen.tokens,
            gen.backend,
        )
        if gen.fallback_reason:
            log.warning("answered by the fallback model: %s", gen.fallback_reason)
        return Answer.of_reply(question, reply, sources, t, mode)

    def ask_alone(self, question: str, generator: Generator | None = None) -> Answer:
        """The model's answer without retrieval (the base and LoRA arms): no sources."""
        start = time.perf_counter()
        generator = generator or self.generator
        reply = answer_many([question], [None], generator, self.settings.max_new_tokens)[0]
        seconds = time.perf_counter() - start
        return Answer.of_reply(question, reply, [], {"generate": seconds, "total": seconds}, "none")
