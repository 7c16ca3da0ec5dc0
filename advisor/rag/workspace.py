"""A workspace's retrieval mode, persisted as a small JSON file next to its data.

`ADVISOR_DATA_DIR/workspaces/<collection>/retrieval.json` holds `{"mode": "dense"}` (and
what the choice was based on, when `advisor eval-retrieval --save` wrote it). No file:
hybrid, the default. One file per collection, so each workspace keeps its own choice.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, get_args

from advisor.errors import InputError, Problem
from advisor.rag.search import Mode

DEFAULT_MODE: Mode = "hybrid"
_MODES: tuple[str, ...] = get_args(Mode)


def mode_file(data_dir: Path, collection: str) -> Path:
    return Path(data_dir) / "workspaces" / collection / "retrieval.json"


def check_mode(value: Any, where: str = "mode") -> Mode:
    if value not in _MODES:
        raise InputError(Problem(f"{value!r} is not one of: {', '.join(_MODES)}", field=where))
    return value


def saved_mode(data_dir: Path, collection: str) -> Mode | None:
    """The mode saved for this workspace, or None; a broken file is an error naming it."""
    path = mode_file(data_dir, collection)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputError(
            Problem(f"unreadable ({exc}); delete it or save a mode again", str(path))
        ) from None
    mode = data.get("mode") if isinstance(data, dict) else None
    if mode not in _MODES:
        raise InputError(
            Problem(f"{mode!r} is not one of: {', '.join(_MODES)}", str(path), field="mode")
        )
    return mode


def workspace_mode(data_dir: Path, collection: str) -> Mode:
    """The mode this workspace answers with: the saved one, else the default."""
    return saved_mode(data_dir, collection) or DEFAULT_MODE


def save_mode(
    data_dir: Path, collection: str, mode: str, basis: dict[str, Any] | None = None
) -> Path:
    """Persist the workspace's mode (written to a temporary file, then renamed into place)."""
    check_mode(mode)
    path = mode_file(data_dir, collection)
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"mode": mode}
    if basis:
        data["basis"] = basis
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".retrieval-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)
    return path
