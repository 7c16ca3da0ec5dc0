"""The checkable facts a collection states: a sentence (or a table row with its header) and
the short key it states, with its document and heading.

A key is what a person would accept as the answer: a number with its unit, an amount, a
share, a date, a duration, a version, a size, a setting's default value, a table cell.
Every extractor below also parses the sentence into the parts a question is built from
(advisor.questionsets.generate), so a fact that cannot be asked naturally is not kept:
fewer facts, each one usable, is the point.

Works on what the loaders make of PDF, DOCX, HTML, Markdown and text alike: chunks of
text where tables are Markdown tables (the header row first) and headings are joined with
" > ".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from advisor.questionsets.keys import Kind, find_keys
from advisor.questionsets.shapes import shape_of

# How the question is built (advisor.questionsets.generate.question_for):
#   copula   "<subject> is <key>"            -> "What is <subject>?"
#   verb     "<subject> <verb> <key> <rest>" -> "How many <unit> does <subject> <verb>?"
#   option   a setting's "Default: <key>"    -> "What does <setting> default to?"
#   cell     a table row under its header    -> "What is the <column> of <row>?"
Shape = Literal["copula", "verb", "option", "cell"]


@dataclass(frozen=True)
class Fact:
    """One fact: `key` is the short reference answer; the rest says where it stands and
    how a question about it is built."""

    id: str  # stable: a digest of the document, the sentence and the key
    document: str
    heading: str
    sentence: str  # the sentence as the document states it (a table row with its header)
    key: str
    kind: Kind
    shape: Shape
    subject: str  # what the fact is about ("the default chunk size", "employees")
    verb: str = ""  # shape "verb": the verb as written ("gets", "will retry")
    rest: str = ""  # shape "verb": the words after the key, kept in the question
    unit: str = ""  # a count's noun ("files", "days"), asked as "How many <unit>"
    preposition: str = ""  # the word before the key in the sentence ("after", "within")
    form: str = ""  # shape "verb": "main" (gets), "modal" (will retry), "passive" (are kept)
    obj: str = ""  # shape "verb": the words between the verb and the key ("hardware")
    topic: str = ""  # the last heading part, or the document's title

    @property
    def topic_words(self) -> str:
        return f"{self.subject} {self.topic}"


# ---------------------------------------------------------------------------- clean text

_FENCE = re.compile(r"```.*?(```|$)", re.S)
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w))")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`])")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


def clean_lines(text: str) -> list[str]:
    """The prose of a chunk, one paragraph or list item a line, Markdown markup dropped
    (code blocks, comments, link targets, emphasis); table lines kept as they are."""
    text = _COMMENT.sub(" ", _FENCE.sub("\n", text))
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("|"):
            flush()
            if line.startswith("|"):
                paragraphs.append(line)
            continue
        if _BULLET.match(line):
            flush()
            line = _BULLET.sub("", line)
        current.append(line)
    flush()
    out = []
    for p in paragraphs:
        if not p.startswith("|"):
            p = _EMPHASIS.sub("", _REF_LINK.sub(r"\1", _LINK.sub(r"\1", p)))
            p = " ".join(p.split())
        out.append(p)
    return out


def sentences(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]


# ---------------------------------------------------------------------------- extraction

_OPTION_HEADING = re.compile(r"^--[a-z0-9-]+$")
_DEFAULT_LINE = re.compile(r"^\s*-?\s*Default:\s*(?P<value>.+?)\s*$", re.M)
_MIN_SENTENCE_WORDS = 5
_MAX_SENTENCE_WORDS = 40
_MAX_KEY_WORDS = 6


def _fact_id(document: str, sentence: str, key: str) -> str:
    text = "\0".join((document, " ".join(sentence.split()), key))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _topic(document: str, heading: str) -> str:
    part = heading.split(" > ")[-1].strip() if heading else ""
    if not part:
        part = re.sub(r"\.[A-Za-z0-9]+$", "", document).replace("_", " ").replace("-", " ")
    return part


def _title(heading: str, document: str) -> str:
    first = heading.split(" > ")[0].strip() if heading else ""
    return first or _topic(document, "")


def _option_fact(document: str, heading: str, text: str) -> Fact | None:
    """A setting documented as a heading with a "Default: <value>" line (command-line
    flags, config keys): the fact is its default, described by its first sentence."""
    name = heading.split(" > ")[-1].strip()
    m = _DEFAULT_LINE.search(text)
    if not (_OPTION_HEADING.match(name) and m):
        return None
    value = m.group("value").strip().strip("`").strip()
    if not value or value in {'""', "''"} or len(value.split()) > _MAX_KEY_WORDS:
        return None
    first = next((s for line in clean_lines(text) for s in sentences(line)), "")
    sentence = f"{name}: {first} Default: {value}".strip()
    return Fact(
        _fact_id(document, sentence, value), document, heading, sentence, value, "default",
        "option", name, topic=_title(heading, document),
    )  # fmt: skip


def _table_facts(document: str, heading: str, lines: list[str]) -> list[Fact]:
    """Each row of a Markdown table under its header: "<column> of <first cell>"."""
    rows = [
        [
            _EMPHASIS.sub("", c).strip().strip("`").strip()
            for c in line.strip().strip("|").split("|")
        ]
        for line in lines
    ]
    if len(rows) < 3 or not re.fullmatch(r"[\s:|-]+", lines[1]):
        return []
    header, body = rows[0], rows[2:]
    facts = []
    for row in body:
        if len(row) != len(header) or not row[0] or len(row[0].split()) > 6:
            continue
        for col in range(1, len(header)):
            key, column = row[col], header[col]
            if not key or not column or len(key.split()) > _MAX_KEY_WORDS:
                continue
            if not re.search(r"[A-Za-z0-9]", key) or len(column.split()) > 5:
                continue
            if len(key) < 2 or key.lower() in {"yes", "no", "true", "false", "-", "n/a"}:
                continue  # a flag column: "Read Only: Y" is no fact a person asks for
            sentence = f"{' | '.join(header)}: {' | '.join(row)}"
            facts.append(
                Fact(
                    _fact_id(document, sentence, key),
                    document,
                    heading,
                    sentence,
                    key,
                    "cell",
                    "cell",
                    row[0],
                    unit=column,
                    topic=_topic(document, heading),
                )
            )
    return facts


_CLAUSE = re.compile(r";\s+|,\s+(?:and|but|while|whereas)\s+|\s+and\s+(?=[A-Z])")


def _sentence_facts(document: str, heading: str, sentence: str) -> list[Fact]:
    """The facts of one sentence: of the whole sentence when it holds one key, else of
    each clause that holds exactly one (a clause without its own subject is dropped)."""
    words = sentence.split()
    if not _MIN_SENTENCE_WORDS <= len(words) <= _MAX_SENTENCE_WORDS or sentence.endswith("?"):
        return []
    clauses = [sentence] if len(find_keys(sentence)) == 1 else _CLAUSE.split(sentence)
    topic = _topic(document, heading)
    out = []
    for clause in clauses:
        keys = find_keys(clause)
        if len(keys) != 1:
            continue  # two numbers in one clause: a question could want either
        key = keys[0]
        parts = shape_of(clause, key, topic)
        if parts is None:
            continue
        text = clause[key.start : key.end]
        out.append(
            Fact(
                _fact_id(document, sentence, text),
                document,
                heading,
                sentence,
                text,
                key.kind,
                parts["shape"],
                parts["subject"],
                parts["verb"],  # type: ignore[arg-type]
                parts["rest"],
                key.unit,
                parts.get("preposition", ""),
                parts.get("form", ""),
                parts.get("object", ""),
                topic,
            )
        )
    return out


def facts_of_chunk(
    document: str, heading: str, text: str, names: set[str] | None = None
) -> list[Fact]:
    """The facts one chunk states, in reading order. `names`: the words the collection
    capitalises mid-sentence (the chunk's own when not given)."""
    names = _lowercase_words([text]) if names is None else names
    return [_common_case(f, names) for f in _chunk_facts(document, heading, text)]


def _chunk_facts(document: str, heading: str, text: str) -> list[Fact]:
    option = _option_fact(document, heading, text)
    if option is not None:
        return [option]
    out: list[Fact] = []
    table: list[str] = []
    lines = clean_lines(text) or [""]
    for line in [*lines, ""]:
        if line.startswith("|"):
            table.append(line)
            continue
        if table:
            out += _table_facts(document, heading, table)
            table = []
        for n, s in enumerate(sentences(line)):
            if n == 0 and s[:1].islower() and not out and line is lines[0]:
                continue  # the chunk starts mid-sentence (an overlap): not a whole fact
            out += _sentence_facts(document, heading, s)
    return out


def extract_facts(chunks: Iterable[tuple[str, str, str]]) -> list[Fact]:
    """The facts of a collection's chunks ((document, heading, text)), each once: a chunk
    overlap or a repeated boilerplate sentence states the same fact again."""
    chunks = list(chunks)
    lower = _lowercase_words(text for _, _, text in chunks)
    seen: set[tuple[str, str]] = set()
    out: list[Fact] = []
    for document, heading, text in chunks:
        for fact in facts_of_chunk(document, heading, text, lower):
            sig = (" ".join(fact.sentence.lower().split()), fact.key.lower())
            if sig in seen:
                continue
            seen.add(sig)
            out.append(fact)
    return out


def _lowercase_words(texts: Iterable[str]) -> set[str]:
    """Names: words the collection capitalises in the middle of a sentence. A capital on
    any other word is the start of a sentence and goes inside a question."""
    out: set[str] = set()
    for text in texts:
        out.update(w.lower() for w in re.findall(r"(?<=[a-z,] )([A-Z][a-z-]+)", text))
    return out


def _common_case(fact: Fact, names: set[str]) -> Fact:
    first = fact.subject.split()[0] if fact.subject.split() else ""
    common = first[:1].isupper() and (first[1:].islower() or first == "A")
    common = common and first.lower() not in names
    if fact.shape in {"copula", "verb"} and common:
        return replace(fact, subject=first.lower() + fact.subject[len(first) :])
    return fact


def kinds(facts: Sequence[Fact]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in facts:
        out[f.kind] = out.get(f.kind, 0) + 1
    return out
