"""A user's files and folders: bounded reading, and faults of the data folder in one line.

Reading: regular files only, and never more than a limit.

`st_size` says nothing about `/dev/zero`, a FIFO blocks the first read forever, and a
file can grow while it is read; so the type is checked before opening (and again on the
open descriptor, in case the name was swapped), and the read itself stops one byte past
the limit. Every caller turns `Refused` into its own one-line error naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from advisor.errors import AdvisorError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class Refused(Exception):
    """A file that is not read: not a regular file, or larger than the limit."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def megabytes(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Raises Refused for a FIFO, device or socket (found by type, before opening) and for a
    file larger than `limit` (counted while reading); FileNotFoundError,
    IsADirectoryError and other OSErrors pass through for the caller's own wording.
    """
    path = Path(path)
    mode = os.stat(path).st_mode  # follows a symlink: the target's type is what is read
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not stat.S_ISREG(mode):
        raise Refused(f"{_kind(mode)}, not a file; only regular files are read")
    # O_NONBLOCK: should the name now be a FIFO, opening it does not wait for a writer
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise Refused(f"{_kind(st.st_mode)}, not a file; only regular files are read")
        if st.st_size > limit:  # don't read a huge file just to refuse it
            raise Refused(
                f"larger than the {limit / 1024 / 1024:g} MB limit ({megabytes(st.st_size)})"
            )
        data = f.read(limit + 1)
    if len(data) > limit:
        raise Refused(
            f"larger than the {limit / 1024 / 1024:g} MB limit (it grew while being read)"
        )
    return data


def fault(exc: BaseException, where: Path | str) -> AdvisorError | None:
    """A fault of the data folder as one line, `<path>: <what> (<what to do>)`; None when
    `exc` is something else. Chroma and SQLite report these as several types, so the text
    is read as well as the errno."""
    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "no space left" in text or "disk is full" in text:
        return AdvisorError(
            f"{where}: the disk is full (free some space and run it again; what was stored "
            "before is kept)"
        )
    if code in (errno.EROFS, errno.EACCES, errno.EPERM) or "readonly database" in text:
        return AdvisorError(
            f"{where}: cannot write there (read-only or not permitted; use a writable "
            "--data-dir or ADVISOR_DATA_DIR)"
        )
    if isinstance(exc, NotADirectoryError | FileExistsError) or code == errno.ENOTDIR:
        name = getattr(exc, "filename", None) or where
        return AdvisorError(
            f"{name}: a file stands where a folder is needed (move it away, or use another "
            "--data-dir)"
        )
    if "file is not a database" in text or "malformed" in text:
        return AdvisorError(
            f"{where}: not a Chroma store (chroma.sqlite3 is damaged or not a database; move "
            "that folder away and ingest again)"
        )
    if "database is locked" in text:
        return AdvisorError(
            f"{where}: another advisor process holds the store (wait for it, then run again)"
        )
    if "error in compaction" in text:  # Chroma's word for a failed write of its index
        return AdvisorError(
            f"{where}: the store could not write its index (a full disk?); free some space "
            "and run it again; what was stored before is kept"
        )
    return None


@contextmanager
def faults(where: Path | str) -> Iterator[None]:
    """Data-folder faults inside the block become one-line AdvisorErrors."""
    try:
        yield
    except AdvisorError:
        raise
    except Exception as exc:
        one_line = fault(exc, where)
        if one_line is None:
            raise
        raise one_line from None
