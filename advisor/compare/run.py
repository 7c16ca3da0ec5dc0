"""A comparison run as data: rows (questions), cells (question x arm), aggregates.

Saved as `compare.json` (schema_version 1) in the workspace, so that the report and the
evidence rules can use the latest run, and exported as CSV for spreadsheets. Optional
fields added later (`changes`) keep version 1: a file without them loads with defaults.

A saved run is input like any other file: the annotations below are its schema, and
pydantic checks a file against them (`run_from_dict`) before anything reads it. Shares are
finite and in [0, 1], counts are non-negative integers, arm names are identifiers (so
that no name can carry markup into a chart), and a bad part is one line naming its field.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, TypeAdapter, ValidationError

from advisor.compare.schema import (
    ArmName,
    Count,
    Finite,
    Flag,
    Money,
    Seconds,
    Share,
    Similarity,
)
from advisor.errors import AdvisorError
from advisor.files import Refused, read_bounded
from advisor.yamlio import format_path

SCHEMA_VERSION = 1
RUN_FILE = "compare.json"
SCORES = ("correct", "exact", "containment", "f1", "groundedness", "citation_hit")
MAX_RUN_BYTES = 200 * 1024 * 1024


def _valid_changes(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each change against ChangeResult's schema; the dicts themselves are kept."""
    from advisor.compare.change.result import CHANGE

    for change in changes:
        CHANGE.validate_python(change)
    return changes


@dataclass
class Source:
    """One retrieved chunk, as both retrieval arms saw it."""

    n: Count
    document: str
    chunk: Count
    heading: str
    text: str
    score: Finite


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
    hit: Share | None = None  # a reference document among the top k
    rr: Share | None = None  # reciprocal rank of the first such chunk
    support: Similarity | None = None  # best dense similarity of a chunk (advisor.rag.trust)
    best: Count | None = None  # which retrieved chunk (1-based) has that similarity
    # The documents do not answer it: a right answer is to abstain (no reference allowed)
    unanswerable: Flag = False
    # The retrieved chunks hold the reference's key facts (1.0) or not (0.0): retrieval
    # measured apart from the reader; None without a reference or retrieval
    context_recall: Share | None = None


@dataclass
class Cell:
    """One arm's answer to one question, and its scores (None: not applicable)."""

    question_id: str
    arm: ArmName
    answer: str
    backend: str
    seconds: Seconds
    tokens: Count
    cited: list[Count] = field(default_factory=list)
    citation_added: Flag = False
    fallback_reason: str | None = None
    correct: Share | None = None
    containment: Share | None = None
    f1: Share | None = None
    groundedness: Share | None = None
    citation_hit: Share | None = None
    cost_per_1000: Money | None = None
    draft: str | None = None  # the model's answer when it was withheld (`answer` says so)
    trust_reason: str | None = None  # why it was withheld or shown with a warning
    exact: Share | None = None  # exact match (SQuAD), beside containment and F1
    echo: str | None = None  # what the model's answer merely repeated (scored wrong)
    # On an unanswerable question: the arm said it does not know, or its answer was
    # withheld (True), or it answered anyway (False); None on answerable questions.
    abstained: Flag | None = None
    # An optional judge's verdicts (advisor.compare.judge), beside the deterministic
    # scores, never instead of them: correct against the reference, supported by the
    # passages; None when no judge ran or it could not say.
    judge_correct: Share | None = None
    judge_supported: Share | None = None

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


@dataclass
class ComparisonRun:
    """Everything needed to show, reproduce and reason with one comparison."""

    arms: list[ArmName]
    rows: list[Row]
    cells: list[Cell] = field(default_factory=list)
    status: Literal["complete", "cancelled"] = "complete"
    started_at: str = ""
    seconds: Seconds = 0.0
    collection: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    models: dict[str, str] = field(default_factory=dict)
    adapter: dict[str, Any] | None = None
    question_set: dict[str, Any] = field(default_factory=dict)
    aggregates: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Updates and deletions applied after the run (advisor.compare.change), oldest first:
    # ChangeResult.to_dict() each. Optional: files written before it existed load as [].
    changes: Annotated[list[dict[str, Any]], AfterValidator(_valid_changes)] = field(
        default_factory=list
    )
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


def run_from_dict(data: Any, where: str = "compare.json") -> ComparisonRun:
    """A run read back from JSON, checked against its schema; one line for a bad part."""
    if not isinstance(data, dict) or "rows" not in data or "cells" not in data:
        raise AdvisorError(f"{where}: not a comparison run (no rows and cells)")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise AdvisorError(
            f"{where}: schema_version {data.get('schema_version')!r} is not "
            f"{SCHEMA_VERSION}; run the comparison again"
        )
    try:
        return _RUN.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field_name = format_path([p for p in err["loc"] if not str(p).startswith("function-")])
        more = exc.error_count() - 1
        raise AdvisorError(
            f"{where}: {field_name or 'run'}: {err['msg']}"
            + (f" (and {more} more)" if more else "")
        ) from None


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a comparison writes")


def load_run(path: Path) -> ComparisonRun:
    """Read a saved compare.json: bounded in size and depth, every number finite."""
    try:
        text = read_bounded(path, MAX_RUN_BYTES).decode("utf-8")
        data = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except FileNotFoundError:
        raise AdvisorError(f"{path}: file not found") from None
    except Refused as exc:
        raise AdvisorError(f"{path}: {exc.reason}") from None
    except RecursionError:
        raise AdvisorError(f"{path}: not a comparison run (nested too deep)") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise AdvisorError(f"{path}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise AdvisorError(f"{path}: cannot read ({exc.strerror})") from None
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


_RUN = TypeAdapter(ComparisonRun)
