"""Question files, YAML or CSV, read into a QuestionSet: the one reader of them all.

Every mistake is an InputError whose problems read `file:line: field: message`.

YAML: the shape of demo_corpus/golden.yaml (a mapping with `questions:`, optional
`version`, `name` and `unanswerable: true` for a whole file of questions the documents do
not answer), or a bare list; an item may be a plain string (a question with no reference
answer). An item's fields: question, and any of id, answer, updated_answer, reworded (the
same question in other words: asked too, as id + "r"), documents, tag, split (tune / test)
and unanswerable.
CSV: a header row with `question` and any of id, answer, documents, tag, updated_answer,
reworded, unanswerable (yes / no), split (tune / test); `documents` separates names with
`;` or `|`. The delimiter is `,`, or `;` / a tab when the header holds no comma
(spreadsheets in many locales save with `;`).

A reference answer is optional here: a caller that needs one (or reference documents)
asks with advisor.questionsets.model.require.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from advisor.errors import InputError, Problem
from advisor.questionsets.model import Place, Question, QuestionSet, make_set
from advisor.words import normalise
from advisor.yamlio import LineMap, format_path, parse_yaml, read_input, validation_problems

COLUMNS = (
    "id", "question", "answer", "documents", "tag", "updated_answer", "reworded", "unanswerable",
    "split",
)  # fmt: skip
_YES, _NO = {"true", "yes", "y", "1", "x"}, {"", "false", "no", "n", "0"}
SUFFIXES = (".yaml", ".yml", ".csv")


@dataclass(frozen=True)
class Entry:
    """One question as written: its fields, and where each one is for error messages."""

    fields: dict[str, Any]
    line: int  # of the question
    prefix: str = ""  # "questions[3]." in YAML; CSV fields are bare column names
    lines: dict[str, int] = field(default_factory=dict)  # field -> line, where it differs


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = None
    question: str
    answer: str | None = None
    updated_answer: str | None = None
    reworded: str | None = None
    documents: list[str] = Field(default_factory=list)
    tag: str | None = None
    split: str | None = Field(None, pattern="^(tune|test)$")  # retrieval evaluation half
    # The documents do not answer it: the right answer is to abstain. A reference answer
    # would contradict that, so the two together are an error.
    unanswerable: bool = False

    @model_validator(mode="after")
    def _no_answer_when_unanswerable(self) -> _Item:
        if self.unanswerable and (self.answer or self.updated_answer):
            raise ValueError(
                "a question marked unanswerable has no answer: drop `answer` or `unanswerable`"
            )
        return self

    @field_validator("id", "answer", "updated_answer", "tag", mode="before")
    @classmethod
    def _number_as_text(cls, v: Any) -> Any:
        # `answer: 64` is a fine reference answer; YAML just reads it as a number
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v

    @field_validator("question")
    @classmethod
    def _has_text(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("question has no text")
        return " ".join(v.split())

    @field_validator("answer", "updated_answer", "reworded", "tag", "id")
    @classmethod
    def _blank_is_none(cls, v: str | None) -> str | None:
        return (" ".join(v.split()) or None) if v is not None else None

    @field_validator("documents", mode="before")
    @classmethod
    def _one_document(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    name: str | None = None  # the set's name, shown instead of the file's
    # Every question of the file is one the documents do not answer (unanswerable.yaml)
    unanswerable: bool = False
    questions: list[_Item]


def read_text(path: Path, any_suffix: bool = False) -> str:
    """The file's text; a missing, unreadable or non-UTF-8 file is one Problem.

    `any_suffix`: a plain-text question list (one question per line) may be named anyhow.
    """
    name = str(path)
    if not any_suffix and path.suffix.lower() not in SUFFIXES:
        raise InputError(
            Problem(
                f"unsupported question file type '{path.suffix}'; use .yaml, .yml or .csv", name
            )
        )
    raw = read_input(path, name, "a question file")
    try:
        text = raw.decode("utf-8-sig")  # a spreadsheet's CSV often starts with a BOM
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            Problem(f"not UTF-8 text ({exc.reason}); save the file as UTF-8", name, line)
        ) from None
    if not text.strip():
        raise InputError(Problem("file is empty", name))
    return text


def yaml_entries(text: str, name: str) -> list[Entry]:
    """Entries of a YAML question file (golden.yaml's shape, or a bare list)."""
    data, lines = parse_yaml(text, name)
    if isinstance(data, dict) and isinstance(data.get("questions"), list):
        _check_items(data["questions"], ("questions",), lines)
        data = {**data, "questions": _strings_as_items(data["questions"])}
        prefix: tuple[str, ...] = ("questions",)
        try:
            whole = _File.model_validate(data)
        except ValidationError as exc:
            raise InputError(validation_problems(exc, lines)) from None
        items = whole.questions
        if whole.unanswerable:  # the file says it of every question
            answered = [
                lines.problem(
                    ["questions", i, "answer"],
                    "the file is marked unanswerable: its questions have no answer",
                )
                for i, item in enumerate(items)
                if item.answer or item.updated_answer
            ]
            if answered:
                raise InputError(answered)
            items = [item.model_copy(update={"unanswerable": True}) for item in items]
    elif isinstance(data, list):
        _check_items(data, (), lines)
        prefix = ()
        try:
            items = TypeAdapter(list[_Item]).validate_python(_strings_as_items(data))
        except ValidationError as exc:
            raise InputError(validation_problems(exc, lines)) from None
    elif isinstance(data, dict):
        try:
            _File.model_validate(data)  # names the missing or misshapen `questions`
        except ValidationError as exc:
            raise InputError(validation_problems(exc, lines)) from None
        raise AssertionError("unreachable: `questions` is not a list")  # pragma: no cover
    else:
        raise InputError(
            Problem(
                "expected a list of questions or a mapping with a `questions:` list, "
                f"got {type(data).__name__}",
                name,
                lines.line(()),
            )
        )
    if not items:
        raise InputError(lines.problem(list(prefix), "no questions"))
    _check_times(data, items, prefix, lines, text)
    return [_yaml_entry(item, (*prefix, i), lines) for i, item in enumerate(items)]


def _check_items(items: list[Any], prefix: tuple[str, ...], lines: LineMap) -> None:
    """Each item is a question's text or a mapping (pydantic would name its own class)."""
    problems = [
        lines.problem(
            [*prefix, i],
            f"expected a question: text, or a mapping with `question:` (got {item!r:.40})",
        )
        for i, item in enumerate(items)
        if not isinstance(item, str | dict)
    ]
    if problems:
        raise InputError(problems)


def _strings_as_items(items: list[Any]) -> list[Any]:
    return [{"question": q} if isinstance(q, str) else q for q in items]


def _yaml_entry(item: _Item, path: tuple[str | int, ...], lines: LineMap) -> Entry:
    fields = item.model_dump()
    where = {k: lines.line([*path, k]) or 0 for k in fields}
    prefix = format_path(path)
    return Entry(fields, where["question"], prefix + "." if prefix else "", where)


def _check_times(
    data: Any, items: list[_Item], prefix: tuple[str, ...], lines: LineMap, text: str
) -> None:
    """YAML 1.1 reads an unquoted 19:00 as the number 1140; refuse rather than misgrade."""
    raw_items = data["questions"] if prefix else data
    source = text.splitlines()
    problems = []
    for i, raw in enumerate(raw_items):
        for key in ("answer", "updated_answer"):
            value = raw.get(key) if isinstance(raw, dict) else None
            line = lines.line([*prefix, i, key]) or 0
            said = source[line - 1] if 0 < line <= len(source) else ""
            if isinstance(value, int) and re.search(r"\d:[0-5]\d", said):
                problems.append(
                    lines.problem(
                        [*prefix, i, key],
                        f"write times in quotes, like '19:00': YAML read this one as {value}",
                    )
                )
    if problems:
        raise InputError(problems)


def csv_entries(text: str, name: str) -> list[Entry]:
    """Entries of a CSV question file; a row's line is its first physical line."""
    first = next(line for line in text.splitlines() if line.strip())
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    # strict: an unclosed quote is an error, not a question that swallows the rest
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    entries: list[Entry] = []
    problems: list[Problem] = []
    last = 0
    try:
        for row in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [c.strip().casefold().replace(" ", "_") for c in row]
                _check_header(header, name, line)
                continue
            extra = [c for c in row[len(header) :] if c.strip()]
            if extra:
                problems.append(
                    Problem(f"{len(row)} cells but the header has {len(header)}", name, line)
                )
                continue
            cells = {k: " ".join(v.split()) for k, v in zip(header, row, strict=False)}
            if not cells.get("question"):
                problems.append(Problem("empty question", name, line, "question"))
                continue
            fields = {k: cells.get(k) or None for k in COLUMNS}
            fields["documents"] = [
                d.strip() for d in re.split(r"[;|]", cells.get("documents", "")) if d.strip()
            ]
            flag = (cells.get("unanswerable") or "").casefold()
            if flag not in _YES | _NO:
                problems.append(Problem(f"{flag!r} is not yes or no", name, line, "unanswerable"))
                continue
            fields["unanswerable"] = flag in _YES
            half = (cells.get("split") or "").casefold()
            if half not in ("", "tune", "test"):
                problems.append(Problem(f"{half!r} is not tune or test", name, line, "split"))
                continue
            fields["split"] = half or None
            if fields["unanswerable"] and (fields["answer"] or fields["updated_answer"]):
                problems.append(
                    Problem(
                        "a question marked unanswerable has no answer: clear one of the two",
                        name,
                        line,
                        "answer",
                    )
                )
                continue
            entries.append(Entry(fields, line))
    except csv.Error as exc:
        # name the line the broken row starts on (an unclosed quote runs to the end)
        raise InputError(Problem(f"not valid CSV: {exc}", name, last + 1)) from None
    if problems:
        raise InputError(problems)
    if not entries:
        raise InputError(Problem("no questions under the header", name, last or None))
    return entries


def _check_header(header: list[str], name: str, line: int) -> None:
    problems = []
    if "question" not in header:
        shown = ", ".join(h or "(blank)" for h in header)
        problems.append(
            Problem(f"no 'question' column (the header has: {shown})", name, line, "question")
        )
    for i, column in enumerate(header):
        if column and column not in COLUMNS:
            problems.append(
                Problem(
                    f"unknown column; expected some of: {', '.join(COLUMNS)}", name, line, column
                )
            )
        elif column and column in header[:i]:
            problems.append(Problem("column appears twice", name, line, column))
    if problems:
        raise InputError(problems)


def load_question_file(path: Path | str) -> QuestionSet:
    """A YAML (golden.yaml's shape) or CSV question file; errors name file, line, field."""
    path = Path(path)
    text = read_text(path)
    name = str(path)
    is_csv = path.suffix.lower() == ".csv"
    entries = csv_entries(text, name) if is_csv else yaml_entries(text, name)
    return make_set(path.stem, _from_entries(entries, name), name)


def _from_entries(entries: list[Entry], name: str) -> list[Question]:
    """Questions in file order, each reworded twin right after its original; no duplicates."""
    questions: list[Question] = []
    problems: list[Problem] = []
    seen_text: dict[str, int] = {}
    seen_id: dict[str, int] = {}

    def add(q: Question, line: int, text_field: str, id_field: str) -> None:
        key = normalise(q.question)
        if key in seen_text:
            problems.append(
                Problem(
                    f"duplicate question: same as line {seen_text[key]}", name, line, text_field
                )
            )
        if q.id in seen_id:
            problems.append(
                Problem(
                    f"duplicate id '{q.id}': also on line {seen_id[q.id]}", name, line, id_field
                )
            )
        seen_text.setdefault(key, line)
        seen_id.setdefault(q.id, line)
        questions.append(q)

    for n, e in enumerate(entries, 1):
        f, p = e.fields, e.prefix
        qid = f.get("id") or f"q{n}"
        documents = list(f.get("documents") or [])
        q = Question(
            qid,
            f["question"],
            answer=f.get("answer"),
            documents=documents,
            tag=f.get("tag"),
            updated_answer=f.get("updated_answer"),
            unanswerable=bool(f.get("unanswerable")),
            split=f.get("split"),
            place=Place(name, e.line, p),
        )
        add(q, e.line, p + "question", p + "id")
        if f.get("reworded"):
            line = e.lines.get("reworded", e.line)
            twin = replace(q, id=qid + "r", question=f["reworded"], variant_of=qid)
            add(twin, line, p + "reworded", p + "reworded")
    if problems:
        raise InputError(problems)
    return questions
