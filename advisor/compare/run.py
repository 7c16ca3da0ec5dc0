"""A comparison run as data: rows (questions), cells (question x arm), aggregates.

Saved as `compare.json` (schema_version 1) in the workspace, so that the report and the
evidence rules can use the latest run, and exported as CSV for spreadsheets. Optional
fields added later (`changes`) keep version 1: a file without them loads with defaults.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError

SCHEMA_VERSION = 1
RUN_FILE = "compare.json"
SCORES = ("correct", "exact", "containment", "f1", "groundedness", "citation_hit")


@dataclass
class Source:
    """One retrieved chunk, as both retrieval arms saw it."""

    n: int
    document: str
    chunk: int
    heading: str
    text: str
    score: float


@dataclass
class Row:
    """One question of the set, with what retrieval found for it."""

    id: str
    question: str
    reference: str | None
    documents: list[str]
    tag: str | None = None
    relation: str | None = None  # trained | paraphrase | unseen (None: no adapter)
    origin: str = "golden"  # golden | typed | generated
    updated_answer: str | None = None
    retrieved: list[Source] = field(default_factory=list)
    hit: float | None = None  # a reference document among the top k
    rr: float | None = None  # reciprocal rank of the first such chunk
    support: float | None = None  # best dense similarity of a chunk (advisor.rag.trust)
    best: int | None = None  # which retrieved chunk (1-based) has that similarity
    # The documents do not answer it: a right answer is to abstain (no reference allowed)
    unanswerable: bool = False
    # The retrieved chunks hold the reference's key facts (1.0) or not (0.0): retrieval
    # measured apart from the reader; None without a reference or retrieval
    context_recall: float | None = None


@dataclass
class Cell:
    """One arm's answer to one question, and its scores (None: not applicable)."""

    question_id: str
    arm: str
    answer: str
    backend: str
    seconds: float
    tokens: int
    cited: list[int] = field(default_factory=list)
    citation_added: bool = False
    fallback_reason: str | None = None
    correct: float | None = None
    containment: float | None = None
    f1: float | None = None
    groundedness: float | None = None
    citation_hit: float | None = None
    cost_per_1000: float | None = None
    draft: str | None = None  # the model's answer when it was withheld (`answer` says so)
    trust_reason: str | None = None  # why it was withheld or shown with a warning
    exact: float | None = None  # exact match (SQuAD), beside containment and F1
    echo: str | None = None  # what the model's answer merely repeated (scored wrong)
    # On an unanswerable question: the arm said it does not know, or its answer was
    # withheld (True), or it answered anyway (False); None on answerable questions.
    abstained: bool | None = None

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


@dataclass
class ComparisonRun:
    """Everything needed to show, reproduce and reason with one comparison."""

    arms: list[str]
    rows: list[Row]
    cells: list[Cell] = field(default_factory=list)
    status: str = "complete"  # complete | cancelled
    started_at: str = ""
    seconds: float = 0.0
    collection: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    adapter: dict[str, Any] | None = None
    question_set: dict[str, Any] = field(default_factory=dict)
    aggregates: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Updates and deletions applied after the run (advisor.compare.change), oldest first:
    # ChangeResult.to_dict() each. Optional: files written before it existed load as [].
    changes: list[dict[str, Any]] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def cell(self, question_id: str, arm: str) -> Cell | None:
        return next((c for c in self.cells if c.question_id == question_id and c.arm == arm), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for c, d in zip(self.cells, data["cells"], strict=True):
            d["tokens_per_second"] = round(c.tokens_per_second, 2)
        return data

    def save(self, path: Path) -> Path:
        """Write atomically: a crash mid-write never leaves a half file behind."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.to_dict(), f, indent=1, ensure_ascii=False)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path


def _build(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def run_from_dict(data: Any, where: str = "compare.json") -> ComparisonRun:
    """A run read back from JSON; one clear error for a file that is not one."""
    if not isinstance(data, dict) or "rows" not in data or "cells" not in data:
        raise AdvisorError(f"{where}: not a comparison run (no rows and cells)")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise AdvisorError(
            f"{where}: schema_version {data.get('schema_version')!r} is not "
            f"{SCHEMA_VERSION}; run the comparison again"
        )
    try:
        rows = []
        for r in data["rows"]:
            retrieved = [_build(Source, s) for s in r.get("retrieved", [])]
            rows.append(_build(Row, {**r, "retrieved": retrieved}))
        cells = [_build(Cell, c) for c in data["cells"]]
        rest = {k: v for k, v in data.items() if k not in ("rows", "cells")}
        return _build(ComparisonRun, {**rest, "rows": rows, "cells": cells})
    except (TypeError, AttributeError) as exc:
        raise AdvisorError(f"{where}: malformed comparison run ({exc})") from None


def load_run(path: Path) -> ComparisonRun:
    """Read a saved compare.json."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise AdvisorError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AdvisorError(f"{path}: not valid JSON ({exc})") from None
    return run_from_dict(data, str(path))


CSV_COLUMNS = [
    "question_id", "question", "reference", "documents", "tag", "relation", "arm", "answer",
    *SCORES, "retrieval_hit", "reciprocal_rank", "seconds", "tokens", "tokens_per_second",
    "cost_per_1000", "backend", "echo", "abstained",
]  # fmt: skip


def to_csv(run: ComparisonRun) -> str:
    """One line per cell (question x arm), what promptfoo users open in a spreadsheet."""
    rows = {r.id: r for r in run.rows}
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS)
    writer.writeheader()
    for c in run.cells:
        r = rows[c.question_id]
        writer.writerow({
            "question_id": r.id, "question": r.question, "reference": r.reference or "",
            "documents": ";".join(r.documents), "tag": r.tag or "",
            "relation": r.relation or "", "arm": c.arm, "answer": c.answer,
            **{s: "" if getattr(c, s) is None else round(getattr(c, s), 4) for s in SCORES},
            "retrieval_hit": "" if r.hit is None else r.hit,
            "reciprocal_rank": "" if r.rr is None else round(r.rr, 4),
            "seconds": round(c.seconds, 3), "tokens": c.tokens,
            "tokens_per_second": round(c.tokens_per_second, 2),
            "cost_per_1000": "" if c.cost_per_1000 is None else round(c.cost_per_1000, 4),
            "backend": c.backend, "echo": c.echo or "",
            "abstained": "" if c.abstained is None else c.abstained,
        })  # fmt: skip
    return out.getvalue()


def write_run(run: ComparisonRun, out: Path) -> Path:
    """Write the run to `out` as JSON or CSV, chosen by its extension."""
    suffix = out.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise AdvisorError(f"{out}: unknown format '{out.suffix}'; use .json or .csv")
    try:
        if suffix == ".json":
            run.save(out)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(to_csv(run), encoding="utf-8")
    except OSError as exc:
        raise AdvisorError(f"{out}: cannot write ({exc.strerror})") from None
    return out
