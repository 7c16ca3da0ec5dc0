"""A data folder that is read-only, a file, not a database, or on a full disk: every
command says so in one line, `error: <path>: <what> (<what to do>)`, exits 2, and keeps
what was stored. Each case runs in a fresh data folder.

A read-only or full disk is made with a small tmpfs mount, which needs root; where the
machine refuses the mount, those cases say so and are skipped (the others still run).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import FakeGenerator, run_cli

from advisor.errors import AdvisorError
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

POLICY = "# Refunds\nRefunds are paid within 30 days of a written request. " * 4


def _one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_a_data_dir_that_is_a_file(tmp_path):
    data = tmp_path / "data"
    data.write_text("not a folder")
    done = run_cli("documents", "--data-dir", str(data))
    _one_line_error(done, "a file stands where a folder is needed")


def test_a_chroma_folder_that_is_a_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "chroma").write_text("not a folder")
    done = run_cli("forget", "x.md", "--data-dir", str(tmp_path / "data"))
    _one_line_error(done, "chroma", "a file stands where a folder is needed")


def test_a_store_that_is_not_a_database(tmp_path):
    chroma = tmp_path / "data" / "chroma"
    chroma.mkdir(parents=True)
    (chroma / "chroma.sqlite3").write_bytes(b"this is junk, not SQLite" * 100)
    done = run_cli("documents", "--data-dir", str(tmp_path / "data"))
    _one_line_error(done, "not a Chroma store", "move that folder away")
    assert (chroma / "chroma.sqlite3").read_bytes().startswith(b"this is junk")  # untouched


def test_a_second_first_open_waits_for_the_first(tmp_path, monkeypatch):
    """Two first ingests into a fresh folder: the second waits on the lock, not on luck."""
    from filelock import FileLock

    from advisor.rag.store import ChromaStore

    chroma = tmp_path / "data" / "chroma"
    chroma.mkdir(parents=True)
    opened: list[float] = []
    held = FileLock(chroma / ".advisor-open.lock")
    with held:
        worker = threading.Thread(
            target=lambda: (ChromaStore(tmp_path / "data", "wsp"), opened.append(time.time()))
        )
        worker.start()
        worker.join(2)
        assert worker.is_alive() and not opened  # waiting while the lock is held
    worker.join(120)
    assert opened


# --- read-only and full disks (tmpfs) ---------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs at tmp_path/disk, and a way to see it read-only."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("making a small or read-only disk needs a tmpfs mount, which needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"this machine refuses a tmpfs mount: {done.stderr.decode().strip()}")

    views: list[Path] = []

    def read_only_view() -> Path:
        """The same disk, mounted again read-only (the test process keeps files open)."""
        view = tmp_path / f"ro{len(views)}"
        view.mkdir()
        subprocess.run(["mount", "--bind", str(mnt), str(view)], check=True)
        views.append(view)
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True)
        return view

    try:
        yield mnt, read_only_view
    finally:
        for path in (*views, mnt):
            subprocess.run(["umount", "-l", str(path)], check=False)


def _pipeline(data: Path, embedder) -> RagPipeline:
    return RagPipeline(
        Settings(data_dir=data), "default", embedder=embedder, generator=FakeGenerator()
    )


def _fill(folder: Path) -> Path:
    """Fill the disk that holds `folder`, leaving nothing free."""
    filler = folder / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


def test_a_read_only_disk_fresh_and_with_a_store(small_disk, tmp_path, embedder):
    mnt, read_only_view = small_disk
    doc = tmp_path / "policy.md"
    doc.write_text(POLICY)
    _pipeline(mnt / "data", embedder).ingest([doc])
    view = read_only_view()
    # an existing store on read-only media: even listing says so in one line
    _one_line_error(run_cli("documents", "--data-dir", str(view / "data")), "cannot write there")
    # a fresh data folder there
    _one_line_error(
        run_cli("forget", "policy.md", "--data-dir", str(view / "fresh")), "cannot write there"
    )
    assert "policy.md" in run_cli("documents", "--data-dir", str(mnt / "data")).stdout


def test_a_full_disk_during_ingest_keeps_what_was_stored(small_disk, tmp_path, embedder):
    mnt, _ = small_disk
    small, big = tmp_path / "policy.md", tmp_path / "big.md"
    small.write_text(POLICY)
    big.write_text(
        "\n\n".join(
            f"# Part {i}\n" + f"Clause {i} says item {i} costs {i} euros. " * 40 for i in range(400)
        )
    )
    pipeline = _pipeline(mnt / "data", embedder)
    pipeline.ingest([small])
    filler = _fill(mnt)
    filler.write_bytes(b"\0" * max(0, filler.stat().st_size - 600_000))  # room for a little
    with pytest.raises(AdvisorError, match=r"disk is full|could not write its index"):
        pipeline.ingest([big])
    filler.unlink()
    listed = run_cli("documents", "--data-dir", str(mnt / "data"))
    assert listed.returncode == 0, listed.stderr
    assert "policy.md" in listed.stdout


@pytest.mark.parametrize("room", [0, 100_000, 400_000])  # delete fails; purge fails; room
def test_a_full_disk_during_forget_says_the_text_may_remain_and_a_second_forget_ends_it(
    small_disk, tmp_path, embedder, room
):
    mnt, _ = small_disk
    doc = tmp_path / "secret.md"
    doc.write_text("# Secret\nThe vault code is ZEBRA-4471-QUOKKA. " * 10)
    _pipeline(mnt / "data", embedder).ingest([doc])
    filler = _fill(mnt)
    filler.write_bytes(b"\0" * max(0, filler.stat().st_size - room))
    first = run_cli("forget", "secret.md", "--data-dir", str(mnt / "data"))
    if first.returncode == 0:  # the delete and the purge fitted: nothing may remain
        assert "Removed secret.md" in first.stdout
    else:
        line = _one_line_error(first)
        assert "disk is full" in line or "text may remain" in line
    filler.unlink()
    second = run_cli("forget", "secret.md", "--data-dir", str(mnt / "data"))
    assert second.returncode in (0, 2), second.stderr
    assert "Traceback" not in second.stderr
    store = (mnt / "data" / "chroma" / "chroma.sqlite3").read_bytes()
    assert b"ZEBRA-4471" not in store  # gone from disk after the second forget at most
    assert "secret.md" not in run_cli("documents", "--data-dir", str(mnt / "data")).stdout


def test_the_app_shows_a_data_folder_fault_as_one_line_on_the_page(tmp_path, monkeypatch):
    from apptest import go, open_app

    from advisor.settings import get_settings

    data = tmp_path / "data"
    data.write_text("not a folder")
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(data))
    get_settings.cache_clear()
    try:
        at = go(open_app(), "documents")
        errors = [e.value for e in at.error]
        assert any("a file stands where a folder is needed" in e for e in errors), errors
        assert all("\n" not in e for e in errors)
    finally:
        get_settings.cache_clear()
