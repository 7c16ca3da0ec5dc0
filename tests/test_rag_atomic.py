"""Re-ingest and forget are atomic and complete, on the real embedded Chroma.

A re-ingest killed between writing the new chunks and deleting the old ones (or half-way
through writing) is repaired by the next ingest or listing: one version per document.
Forgetting a document removes its text from every file under the store's folder.
"""

from pathlib import Path

import pytest
from conftest import FakeGenerator

from advisor.rag.pipeline import RagPipeline

OLD = "# Refunds\n\nThe refund window is 45 days. " + "Old wording about returns. " * 200
NEW = "# Refunds\n\nThe refund window is 30 days. " + "New wording about returns. " * 200
SECRET = "The vault combination is purple-walrus-4471, known only to Ada."


class Killed(Exception):
    """The process dying part-way, as an exception at the worst moment."""


@pytest.fixture
def make(settings, embedder):
    return lambda: RagPipeline(settings, "atomic-ws", embedder=embedder, generator=FakeGenerator())


def _versions(p: RagPipeline, name: str) -> dict[str, int]:
    """doc_id -> chunks stored under this document name, straight from Chroma."""
    got = p.store.col.get(where={"document": name}, include=["metadatas"])
    out: dict[str, int] = {}
    for m in got["metadatas"]:
        out[m["doc_id"]] = out.get(m["doc_id"], 0) + 1
    return out


def _kill_on(monkeypatch, p: RagPipeline, method: str, after: int = 0) -> None:
    """Make `col.<method>` die on its call number `after` (0: the first), once."""
    real = getattr(p.store.col, method)
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            if method == "upsert" and after == 0:  # half the chunks reach the disk
                half = {k: v[: len(v) // 2] for k, v in kwargs.items()}
                real(*args, **half)
            raise Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(p.store.col, method, dying)


def test_a_reingest_killed_before_the_old_chunks_go_is_repaired(make, tmp_path, monkeypatch):
    doc = tmp_path / "refunds.md"
    doc.write_text(OLD)
    first = make()
    assert [r.status for r in first.ingest([doc])] == ["added"]
    old_chunks = first.store.count()
    assert old_chunks > 1
    doc.write_text(NEW)
    _kill_on(monkeypatch, first, "delete")  # new chunks written, old ones not yet deleted
    with pytest.raises(Killed):
        first.ingest([doc])
    monkeypatch.undo()
    assert len(_versions(first, "refunds.md")) == 2  # the state a kill leaves

    again = make()  # the next run
    results = again.ingest([doc])
    assert [r.status for r in results] == ["unchanged"]  # the new version was complete
    versions = _versions(again, "refunds.md")
    assert len(versions) == 1 and again.documents() == {"refunds.md": old_chunks}
    texts = " ".join(h.chunk.text for h in again.retrieve("refund window days", k=10))
    assert "30 days" in texts and "45 days" not in texts  # answers cite one version


def test_a_reingest_killed_while_writing_keeps_the_old_version(make, tmp_path, monkeypatch):
    doc = tmp_path / "refunds.md"
    doc.write_text(OLD)
    first = make()
    first.ingest([doc])
    (old_id,) = _versions(first, "refunds.md")
    doc.write_text(NEW)
    _kill_on(monkeypatch, first, "upsert")  # half of the new chunks, then death
    with pytest.raises(Killed):
        first.ingest([doc])
    monkeypatch.undo()
    assert len(_versions(first, "refunds.md")) == 2

    again = make()
    assert list(again.documents()) == ["refunds.md"]  # listing repairs
    assert list(_versions(again, "refunds.md")) == [old_id]  # the cut-short one went
    assert [r.status for r in again.ingest([doc])] == ["replaced"]
    assert len(_versions(again, "refunds.md")) == 1


def test_a_first_ingest_killed_while_writing_is_not_unchanged_next_time(
    make, tmp_path, monkeypatch
):
    doc = tmp_path / "refunds.md"
    doc.write_text(NEW)
    first = make()
    _kill_on(monkeypatch, first, "upsert")
    with pytest.raises(Killed):
        first.ingest([doc])
    monkeypatch.undo()
    again = make()
    assert [r.status for r in again.ingest([doc])] == ["added"]
    assert sum(_versions(again, "refunds.md").values()) == again.store.count()


def _files_holding(folder: Path, needle: bytes) -> list[str]:
    return sorted(
        str(f.relative_to(folder))
        for f in folder.rglob("*")
        if f.is_file() and needle in f.read_bytes()
    )


def test_forget_removes_the_text_from_every_file_of_the_store(make, tmp_path, settings):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "vault.md").write_text(f"# Vault\n\n{SECRET}\n")
    (docs / "canteen.md").write_text("# Canteen\n\nThe canteen opens at noon on weekdays.\n")
    p = make()
    p.ingest([docs])
    folder = settings.data_dir / "chroma"
    assert _files_holding(folder, SECRET.encode())  # the check can see it
    p.forget("vault.md")
    assert _files_holding(folder, SECRET.encode()) == []
    assert _files_holding(folder, b"purple-walrus") == []
    assert _files_holding(folder, b"opens at noon")  # the other document is intact
    # The store still works after the purge, in this process and the next.
    assert p.documents() == {"canteen.md": 1}
    later = make()
    assert [h.chunk.document for h in later.retrieve("vault combination", k=3)] == ["canteen.md"]
    (docs / "notes.md").write_text("# Notes\n\nA third document.\n")
    assert {r.name: r.status for r in later.ingest([docs])}["notes.md"] == "added"


def test_forget_after_a_replace_leaves_no_old_version_on_disk(make, tmp_path, settings):
    doc = tmp_path / "vault.md"
    doc.write_text(f"# Vault\n\n{SECRET}\n")
    p = make()
    p.ingest([doc])
    doc.write_text("# Vault\n\nThe combination was changed; ask the office.\n")
    p.ingest([doc])
    p.forget("vault.md")
    assert _files_holding(settings.data_dir / "chroma", b"purple-walrus") == []
