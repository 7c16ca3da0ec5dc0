"""Chunks and their vectors in ChromaDB: embedded by default, a server when configured."""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from filelock import FileLock

from advisor.errors import AdvisorError, InputError, Problem
from advisor.files import faults
from advisor.rag.chunking import Chunk, indexed_text

log = logging.getLogger(__name__)
_LOCKS: dict[str, threading.RLock] = {}  # per collection: a write is never seen half-done
_GUARD = threading.Lock()


def _lock(name: str) -> threading.RLock:
    with _GUARD:
        return _LOCKS.setdefault(name, threading.RLock())


_MAX_BATCH = 4000  # below Chroma's largest accepted batch
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")


@dataclass(frozen=True)
class StoredChunk:
    id: str
    text: str
    document: str
    doc_id: str
    chunk: int
    heading: str
    page: int | None
    tokens: int | None = None
    links: tuple[str, ...] = ()

    @property
    def indexed_text(self) -> str:
        return indexed_text(self.document, self.heading, self.text)


@dataclass(frozen=True)
class DenseHit:
    chunk: StoredChunk
    similarity: float


def check_collection_name(name: str) -> str:
    """Chroma's rule: 3-512 characters of [a-zA-Z0-9._-], alphanumeric at both ends."""
    if not _NAME.match(name):
        raise InputError(
            Problem(
                "a collection name needs 3-512 characters of letters, digits, "
                "'.', '_' or '-', starting and ending with a letter or digit",
                field="collection",
            )
        )
    return name


def _client(data_dir: Path, chroma_url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url if "//" in chroma_url else f"http://{chroma_url}")
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=settings,
            )
            client.heartbeat()
        except Exception as exc:  # chromadb raises several types for a dead server
            raise AdvisorError(
                f"Chroma server at {chroma_url} is not reachable "
                f"({type(exc).__name__}); start it or unset ADVISOR_CHROMA_URL"
            ) from None
        return client
    path = data_dir / "chroma"
    with faults(path):
        path.mkdir(parents=True, exist_ok=True)
        # Two first ingests into a fresh folder both create Chroma's tables; one would
        # find the database locked. A lock file makes the second wait, as an existing
        # store's writes already do.
        with FileLock(path / ".advisor-open.lock", timeout=300):
            return chromadb.PersistentClient(path=str(path), settings=settings)


class ChromaStore:
    """One collection (one workspace): our own embeddings, cosine distance."""

    def __init__(self, data_dir: Path, collection: str, chroma_url: str | None = None) -> None:
        self.name = check_collection_name(collection)
        self.where = chroma_url or str(data_dir / "chroma")
        self.folder = None if chroma_url else data_dir / "chroma"  # None: a server's files
        self.client = _client(data_dir, chroma_url)
        # embedding_function=None: Chroma's default would download a model at first use.
        with faults(self.where):
            self.col = self.client.get_or_create_collection(
                self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )

    def count(self) -> int:
        return self.col.count()

    def stored_doc_id(self, document: str) -> str | None:
        return self.stored_doc_ids([document]).get(document)

    def stored_doc_ids(self, documents: list[str]) -> dict[str, str]:
        """The content id stored for each of these document names, in one query.

        A document left with two versions by an interrupted ingest is repaired first.
        """
        if not documents:
            return {}
        got = self._get({"document": {"$in": sorted(set(documents))}}, ["metadatas"])
        return {m["document"]: m["doc_id"] for m in got["metadatas"]}

    def _get(self, where: dict[str, Any] | None, include: list[str]) -> dict[str, Any]:
        """`col.get`, repaired: no chunk of a broken version is ever returned."""
        with _lock(self.name):
            return self._repaired(self.col.get(where=where, include=include))

    def _repaired(self, got: dict[str, Any]) -> dict[str, Any]:
        """`got` (ids and metadatas) less the chunks of broken versions, which are deleted.

        Each chunk carries its version's chunk count (`of`) and write time. A document
        keeps its newest complete version; a version cut short, or an older one that an
        interrupted re-ingest left behind, goes.
        """
        versions: dict[str, dict[tuple[str, Any], list[int]]] = {}
        for n, meta in enumerate(got["metadatas"]):
            version = (meta["doc_id"], meta.get("written"))
            versions.setdefault(meta["document"], {}).setdefault(version, []).append(n)
        stale: set[int] = set()
        for name, by_id in versions.items():
            metas = {v: got["metadatas"][rows[0]] for v, rows in by_id.items()}
            complete = [
                v for v, rows in by_id.items() if metas[v].get("of", len(rows)) == len(rows)
            ]
            if len(by_id) == 1 and complete:
                continue
            keep = max(complete, key=lambda v: metas[v].get("written", 0.0), default=None)
            gone = [n for v, rows in by_id.items() if v != keep for n in rows]
            log.warning("%s: removed %d chunks left by an interrupted ingest", name, len(gone))
            stale.update(gone)
        if not stale:
            return got
        self.col.delete(ids=[got["ids"][n] for n in sorted(stale)])
        keep_rows = [n for n in range(len(got["ids"])) if n not in stale]
        rows = ("ids", "documents", "metadatas")
        return {k: [v[n] for n in keep_rows] if k in rows and v else v for k, v in got.items()}

    def replace_document(self, chunks: list[Chunk], vectors: list[list[float]]) -> None:
        """Store one document's new chunks, then drop its old ones."""
        self.replace_documents([(chunks, vectors)])

    def replace_documents(self, docs: list[tuple[list[Chunk], list[list[float]]]]) -> None:
        """Store several documents' new chunks in one write, then drop their old chunks.

        New chunks go in before old ones go out, so a failure part-way never leaves a
        document missing; chunk ids carry the content hash, so old and new never collide.
        """
        chunks = [c for cs, _ in docs for c in cs]
        vectors = [v for _, vs in docs for v in vs]
        if not chunks:
            return
        with _lock(self.name), faults(self.where):
            names = sorted({c.document for c in chunks})
            old = self.col.get(where={"document": {"$in": names}}, include=[])["ids"]
            sizes = {name: sum(c.document == name for c in chunks) for name in names}
            written = time.time()
            for start in range(0, len(chunks), _MAX_BATCH):
                part = chunks[start : start + _MAX_BATCH]
                self.col.upsert(
                    ids=[c.id for c in part],
                    embeddings=vectors[start : start + _MAX_BATCH],
                    documents=[c.text for c in part],
                    metadatas=[
                        {
                            "document": c.document,
                            "doc_id": c.doc_id,
                            "chunk": c.index,
                            "heading": c.heading,
                            "page": c.page if c.page is not None else -1,
                            "tokens": c.tokens,
                            "links": "\n".join(c.links),  # Chroma keeps scalars only
                            "of": sizes[c.document],  # a version with fewer chunks is cut short
                            "written": written,  # of two complete versions, the newer stays
                        }
                        for c in part
                    ],
                )
            stale = sorted(set(old) - {c.id for c in chunks})
            if stale:
                self.col.delete(ids=stale)

    def delete_document(self, document: str) -> int:
        """Delete a document's chunks, and their text from the store's files (embedded)."""
        with faults(self.where):
            ids = self.col.get(where={"document": document}, include=[])["ids"]
            if ids:
                self.col.delete(ids=ids)
        if ids and self.folder is not None:
            from advisor.rag.purge import purge

            purge(self.folder)
        return len(ids)

    def finish_purge(self) -> bool:
        """Purge the store's files again: a forget that a full disk stopped after the
        delete left text there, and nothing else says so. False for a server's store."""
        if self.folder is None:
            return False
        from advisor.rag.purge import purge

        purge(self.folder)
        return True

    def documents(self) -> dict[str, int]:
        """Stored document names with their chunk counts (broken versions repaired)."""
        counts: dict[str, int] = {}
        for meta in self._get(None, ["metadatas"])["metadatas"]:
            counts[meta["document"]] = counts.get(meta["document"], 0) + 1
        return dict(sorted(counts.items()))

    def chunks_of(self, document: str) -> list[StoredChunk]:
        """One document's chunks in order (the app's chunk preview)."""
        got = self.col.get(where={"document": document}, include=["documents", "metadatas"])
        chunks = [
            _stored(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=False)
        ]
        return sorted(chunks, key=lambda c: c.chunk)

    def all_chunks(self) -> list[StoredChunk]:
        got = self._get(None, ["documents", "metadatas"])
        return [
            _stored(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=False)
        ]

    def dense(self, vector: list[float], k: int) -> list[DenseHit]:
        n = min(k, self.count())
        if n == 0:
            return []
        got = self.col.query(
            query_embeddings=[vector], n_results=n, include=["documents", "metadatas", "distances"]
        )
        return [
            DenseHit(_stored(i, d, m), 1.0 - dist)
            for i, d, m, dist in zip(
                got["ids"][0],
                got["documents"][0],
                got["metadatas"][0],
                got["distances"][0],
                strict=False,
            )
        ]


def _stored(cid: str, text: str, meta: dict[str, Any]) -> StoredChunk:
    page = meta.get("page", -1)
    return StoredChunk(
        cid,
        text,
        meta["document"],
        meta["doc_id"],
        int(meta["chunk"]),
        meta.get("heading", ""),
        None if page == -1 else int(page),
        meta.get("tokens"),
        tuple(u for u in str(meta.get("links") or "").split("\n") if u),
    )
