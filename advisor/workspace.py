"""What a workspace keeps between visits: the work a person did in the app.

`ADVISOR_DATA_DIR/workspaces/<collection>/app.json` holds the questionnaire answers,
the Costs page's price and input edits, the questions asked of the documents (with their
answers, for the report), the adapter the Fine-tune page trained last and the question
set the Compare page was given (its source, the uploaded file's name, the typed lines). The documents,
adapters and comparison runs live in their own folders already; this file is what ties a
reload of the page (the `?ws=` link) back to them.

The file is written whole to a temporary name and renamed into place, so a crash never
leaves half of it. One that cannot be read (edited by hand, from a newer version) is set
aside as `app.json.unreadable`, never overwritten, and the workspace starts afresh with
one line saying so.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import AdvisorError
from advisor.files import Refused, faults, read_bounded

STATE_FILE = "app.json"
MAX_BYTES = 8 * 1024 * 1024  # far above what a person types; a bound, not a quota
MAX_ASKED = 50  # the questions kept for the report: the latest ones

Finite = Annotated[float, Field(allow_inf_nan=False)]


class AskedSource(BaseModel):
    """A passage an answer cited, as the report shows it (the rest of it is kept as is)."""

    model_config = ConfigDict(extra="allow")

    n: int
    document: str
    page: int | None = None
    text: str
    score: Finite


class Asked(BaseModel):
    """A question asked of the documents and its answer (advisor.rag.answer.Answer)."""

    model_config = ConfigDict(extra="allow")

    question: str
    text: str
    backend: str
    sources: list[AskedSource] = []
    fallback_reason: str | None = None


class QuestionChoice(BaseModel):
    """The Compare page's question set as the user chose it: where the questions come from,
    the question file uploaded (its name in the workspace's uploads folder) and the lines
    typed. Whoever reads it checks the file is still there."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["demo", "upload", "typed", "generated"] | None = None
    file: str | None = Field(default=None, pattern=r"^[^/\x00]{1,255}$")  # a name, no folder
    typed: str = Field(default="", max_length=200_000)


class WorkspaceState(BaseModel):
    """The app's work in one workspace; every field may be empty."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    answers: dict[str, Any] = {}  # checked against the questionnaire by whoever loads it
    price_edits: dict[str, Finite] = {}  # figure path -> value
    input_edits: dict[str, Any] = {}  # cost input name -> value (checked by CostInputs)
    asked: list[Asked] = Field(default=[], max_length=MAX_ASKED)
    adapter: str | None = Field(default=None, pattern=r"^[\w.-]{1,200}$")  # a folder name
    questions: QuestionChoice = QuestionChoice()  # the Compare page's question set


def state_file(data_dir: Path, collection: str) -> Path:
    return Path(data_dir) / "workspaces" / collection / STATE_FILE


def load(data_dir: Path, collection: str) -> tuple[WorkspaceState, str | None]:
    """The saved work and None; or an empty state and one line saying why the file was set
    aside. Faults of the data folder (unreadable, not a folder) raise one-line errors."""
    path = state_file(data_dir, collection)
    try:
        raw = read_bounded(path, MAX_BYTES)
    except FileNotFoundError:
        return WorkspaceState(), None
    except Refused as exc:
        return WorkspaceState(), _set_aside(path, exc.reason)
    except OSError as exc:
        with faults(path):
            raise
        raise AdvisorError(f"{path}: {exc.strerror or exc}") from None
    try:
        return WorkspaceState.model_validate_json(raw), None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        return WorkspaceState(), _set_aside(path, f"{where}: {first['msg']}")


def _set_aside(path: Path, reason: str) -> str:
    aside = path.with_name(STATE_FILE + ".unreadable")
    with faults(path):
        os.replace(path, aside)
    return f"{path}: {reason}; set aside as {aside.name}, this workspace starts afresh"


def save(data_dir: Path, collection: str, kept: WorkspaceState) -> Path:
    """Write the state atomically (a temporary file renamed into place)."""
    path = state_file(data_dir, collection)
    with faults(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".app-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(dump(kept))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return path


def dump(kept: WorkspaceState) -> str:
    """The file's text; also what tells whether anything changed since the last save."""
    return json.dumps(kept.model_dump(mode="json"), indent=1, ensure_ascii=False, default=str)
