"""Forget means gone from disk: a deleted document's text must not stay in the store's files.

Embedded Chroma writes every change to a write-ahead log, the `embeddings_queue` table
of `chroma.sqlite3`, with the chunk's text in it. It purges that log by itself
(`automatically_purge`, on by default), but only up to what every segment has persisted,
and the vector index persists once every `hnsw:sync_threshold` (1,000) changes: the rows
that added a forgotten document can keep its text until a thousand more changes come.
SQLite, for its part, leaves deleted rows' bytes in free pages until the file is vacuumed.

So, after Chroma has deleted the chunks:
1. every log row that a later delete in the log supersedes loses its text and metadata
   (`{}`, what Chroma writes for a delete); its vector stays, so the vector index can
   still replay the log after a restart, as Chroma expects. (Every such row, not only
   this document's: a purge that failed once is made good by the next one.)
2. the full-text index is merged (FTS5 'optimize'), so no old segment keeps pieces of it;
3. the file is vacuumed, as `chroma vacuum` does: rewritten without free pages.
A Chroma server (ADVISOR_CHROMA_URL) owns its own files; this applies to the embedded store.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from advisor.errors import AdvisorError

log = logging.getLogger(__name__)
_DELETE = 3  # Chroma's code for a delete in embeddings_queue.operation
_FTS = "embedding_fulltext_search"  # Chroma's FTS5 table of chunk texts
_SUPERSEDED = f"""
WHERE operation != {_DELETE} AND metadata != '{{}}' AND EXISTS (
    SELECT 1 FROM embeddings_queue AS later
    WHERE later.operation = {_DELETE} AND later.topic = embeddings_queue.topic
    AND later.id = embeddings_queue.id AND later.seq_id > embeddings_queue.seq_id
)"""
_SCRUB = f"UPDATE embeddings_queue SET metadata = '{{}}' {_SUPERSEDED}"


def purge(folder: Path) -> None:
    """Remove the text of deleted chunks from the embedded store's files."""
    db = Path(folder) / "chroma.sqlite3"
    if not db.exists():
        return
    start = time.perf_counter()
    try:
        with closing(sqlite3.connect(db, timeout=60, isolation_level=None)) as con:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
            scrubbed = 0
            con.execute("BEGIN IMMEDIATE")
            try:
                if "embeddings_queue" in tables:
                    scrubbed = con.execute(_SCRUB).rowcount
                if _FTS in tables:
                    con.execute(f"INSERT INTO {_FTS}({_FTS}) VALUES('optimize')")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("VACUUM")
    except sqlite3.Error as exc:
        raise AdvisorError(
            f"{db}: the chunks are deleted, but their text may remain on disk ({exc}); "
            "free some space and run the same forget again to finish the purge"
        ) from None
    seconds = time.perf_counter() - start
    log.info("purged %s: %d log rows lost their text; vacuumed in %.2f s", db, scrubbed, seconds)
