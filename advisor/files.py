"""Reading a user's file with bounds: regular files only, and never more than a limit.

`st_size` says nothing about `/dev/zero`, a FIFO blocks the first read forever, and a
file can grow while it is read; so the type is checked before opening (and again on the
open descriptor, in case the name was swapped), and the read itself stops one byte past
the limit. Every caller turns `Refused` into its own one-line error naming the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

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
