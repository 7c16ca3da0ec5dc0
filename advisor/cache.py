"""The per-user model cache: models built once (de-quantized weights, ONNX exports) and
shared by every data dir, workspace and the app.

It lives in the platform's user cache folder (platformdirs: ~/.cache/advisor on Linux),
or where ADVISOR_CACHE_DIR says. Every entry is named after a digest of what it was built
from, and written into a temporary folder that is renamed into place: two processes
building the same entry at once both end with a complete copy, and a killed build
leaves nothing that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

_DIGEST_CHUNK = 1 << 22


def default_cache_dir() -> Path:
    """The platform's cache folder for this user (not created here)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("advisor", appauthor=False))


def file_digest(path: Path, cache_dir: Path) -> str:
    """The sha256 of a file, remembered in the cache by its path, size and mtime: a model
    file of 100 MB is read once, not at every start."""
    st = path.stat()
    stamp = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    memo = cache_dir / "digests.json"
    known = _read_memo(memo)
    if stamp in known:
        return known[stamp]
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_DIGEST_CHUNK):
            h.update(block)
    digest = h.hexdigest()
    known[stamp] = digest
    _write_atomic(memo, json.dumps(known, indent=0))
    return digest


def _read_memo(memo: Path) -> dict[str, str]:
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no memo yet, or a damaged one: digests are computed again
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object the cache keeps (speeds, memos), or {} when it is missing or cannot
    be read: a cache entry is a convenience, never an error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def keep_json(path: Path, data: dict[str, Any]) -> None:
    """Write a JSON object into the cache atomically; a read-only cache only loses it."""
    _write_atomic(path, json.dumps(data, indent=2))


def _write_atomic(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only cache still answers; the digest is computed again next time


def build_once(target: Path, build: Callable[[Path], None], *, complete: str) -> Path:
    """`target`, built by `build(tmp_folder)` unless a complete copy is there already.

    `complete` names the file whose presence marks a finished entry; `build` writes into
    an empty temporary folder beside `target`, which is renamed into place.
    """
    if (target / complete).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(tmp)
        if not (tmp / complete).exists():
            raise RuntimeError(f"building {target.name} wrote no {complete}")
        try:
            tmp.rename(target)
        except OSError:
            if not (target / complete).exists():  # not another process's finished copy
                shutil.rmtree(target, ignore_errors=True)
                tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
