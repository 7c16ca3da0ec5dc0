"""Read YAML and remember the line of every value, so errors can name it.

Every YAML file the project reads comes through `parse_yaml`, which first walks the
event stream (no aliases expanded, no recursion) and refuses a file that is too large,
nested too deep, or whose aliases refer to themselves or expand too far (a "billion
laughs" file): one line naming the file and line, never a crash or a RecursionError.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from advisor.errors import InputError, Problem
from advisor.files import Refused, read_bounded

try:  # the C loader is several times faster; fall back when libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]
T = TypeVar("T")

MAX_BYTES = 5 * 1024 * 1024  # far above any rules, answers, prices or question file
MAX_DEPTH = 64  # the built-in rules nest 9 levels
MAX_ALIAS_NODES = 100_000  # values that aliases may add when expanded, in all


class LineMap:
    """Line numbers (1-based) of the values in one YAML document, by field path."""

    def __init__(self, file: str, lines: dict[PathKey, int], prefix: PathKey = ()) -> None:
        self.file = file
        self._lines = lines
        self._prefix = prefix

    def at(self, *prefix: str | int) -> LineMap:
        """A view of the part of the document under `prefix`."""
        return LineMap(self.file, self._lines, (*self._prefix, *prefix))

    def line(self, path: Sequence[str | int]) -> int | None:
        """The line of `path`, or of its nearest ancestor that exists."""
        key = (*self._prefix, *path)
        while True:
            if key in self._lines:
                return self._lines[key]
            if not key:
                return None
            key = key[:-1]

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        """A Problem located at `path` in this file."""
        full = (*self._prefix, *path)
        return Problem(message, self.file, self.line(path), format_path(full) or None)


def format_path(path: Sequence[str | int]) -> str:
    """`rules[3].when.all[0]` style, as a user reads it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_input(path: Path, name: str, expected: str) -> bytes:
    """An input file's bytes (at most MAX_BYTES); a missing, refused or unreadable file is
    one InputError naming it. `expected` says what a folder should have been."""
    try:
        return read_bounded(path, MAX_BYTES)
    except Refused as exc:
        raise InputError(Problem(exc.reason, name)) from None
    except FileNotFoundError:
        raise InputError(Problem("file not found", name)) from None
    except IsADirectoryError:
        raise InputError(Problem(f"is a folder, expected {expected}", name)) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot read: {exc.strerror}", name)) from None


def load_yaml(path: Path | str, *, label: str | None = None) -> tuple[Any, LineMap]:
    """Parse one YAML file; every failure becomes an InputError naming the file and line."""
    path = Path(path)
    name = label or str(path)
    raw = read_input(path, name, "a YAML file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(f"not UTF-8 text ({exc.reason})", name)) from None
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> tuple[Any, LineMap]:
    """Parse YAML text; `name` is used in error messages."""
    if len(text) > MAX_BYTES:
        raise InputError(Problem(_too_large(len(text)), name))
    loader = _Loader(text)
    try:
        check_limits(text, name)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise InputError(Problem(f"invalid YAML: {msg}", name, line)) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(f"invalid YAML: {exc}", name)) from None
    finally:
        loader.dispose()
    lines: dict[PathKey, int] = {}
    problems: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, problems, name)
    if problems:
        raise InputError(problems)
    return data, LineMap(name, lines)


def _too_large(size: int) -> str:
    limit = MAX_BYTES // 1024 // 1024
    return f"too large for a YAML file ({size / 1024 / 1024:.1f} MB; the limit is {limit} MB)"


def check_limits(text: str, name: str) -> None:
    """Refuse deep nesting, self-referencing aliases and alias bombs, from the events alone.

    Each open collection keeps [anchor, values inside, height]; an anchor remembers the
    values and height of what it names, so an alias counts as what it would expand to.
    """
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[int, int]] = {}  # name -> (values, height)
    added = 0  # values the aliases add when expanded
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([event.anchor, 1, 1])
            if len(stack) > MAX_DEPTH:
                raise InputError(Problem(f"nested more than {MAX_DEPTH} levels deep", name, line))
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size, height = stack.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size, height = event.anchor, 1, 0
        elif isinstance(event, yaml.AliasEvent):
            anchor = None
            if any(open_[0] == event.anchor for open_ in stack):
                raise InputError(Problem(f"alias *{event.anchor} refers to itself", name, line))
            size, height = anchors.get(event.anchor, (1, 0))  # undefined: the parser says so
            added += size - 1
            if added > MAX_ALIAS_NODES:
                raise InputError(
                    Problem(
                        f"aliases expand to more than {MAX_ALIAS_NODES:,} values (an alias bomb?)",
                        name,
                        line,
                    )
                )
            if len(stack) + height > MAX_DEPTH:
                raise InputError(Problem(f"nested more than {MAX_DEPTH} levels deep", name, line))
        else:
            continue
        if anchor:
            anchors[anchor] = (size, height)
        if stack:
            stack[-1][1] += size
            stack[-1][2] = max(stack[-1][2], height + 1)


def _walk(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], problems: list[Problem], name: str
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:  # PyYAML silently keeps the last one; a rule file must not
                problems.append(
                    Problem(
                        f"duplicate key '{key}'",
                        name,
                        key_node.start_mark.line + 1,
                        format_path((*path, key)),
                    )
                )
            seen.add(key)
            _walk(value_node, (*path, key), lines, problems, name)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, problems, name)


_FRIENDLY = {
    "extra_forbidden": "unknown field",
    "missing": "required field is missing",
}


def validation_problems(
    exc: Any, lines: LineMap, prefix: Sequence[str | int] = ()
) -> list[Problem]:
    """Turn a pydantic ValidationError into Problems located in the YAML file."""
    problems = []
    for err in exc.errors(include_url=False):
        # Union tags such as "<all>" and the "[key]" marker of dict-key errors are
        # pydantic's bookkeeping, not YAML keys.
        loc = [
            *prefix,
            *(
                p
                for p in err["loc"]
                if not (isinstance(p, str) and (p.startswith("<") or p == "[key]"))
            ),
        ]
        msg = _FRIENDLY.get(err["type"], err["msg"])
        msg = msg.removeprefix("Value error, ")
        if err["type"] not in ("missing",) and "input" in err and _short(err["input"]):
            msg += f" (got {_short(err['input'])})"
        problems.append(lines.problem(loc, msg))
    return problems


def _short(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return ""  # a whole mapping says nothing useful on one line
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_model(path: Path | str, model: type[T], *, label: str | None = None) -> tuple[T, LineMap]:
    """Load a YAML file into a pydantic model; errors name the file, line and field."""
    from pydantic import ValidationError

    data, lines = load_yaml(path, label=label)
    if data is None:
        raise InputError(Problem("file is empty", lines.file))
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        raise InputError(validation_problems(exc, lines)) from None
