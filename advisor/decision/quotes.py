"""A rule's seed quote as a reader should see it: the sentence it is, or the table row it
is, with the table's header.

Many quotes are rows of the seeds' comparison tables ("Source attribution | ✓ Built-in
(cite retrieved chunks) | ✗ No sources available"). Shown raw they read as noise; the
row is found in its seed and paired with the header above it ("Dimension: Source
attribution; RAG: built-in (cite retrieved chunks); Fine-Tuning: no sources
available"). Check and cross marks become words wherever they stand alone and are
dropped where a word already says it (emoji need an emoji font, which Debian's Chromium,
and so the PDF, may lack).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from advisor.files import Refused, read_bounded

MAX_SEED_BYTES = 5 * 1024 * 1024
_YES, _NO = "✅✔☑✓", "❌❎✖✗"
_MARK = re.compile(rf"([{_YES}{_NO}])\ufe0f?")
_MARK_BEFORE_WORD = re.compile(rf"[{_YES}{_NO}]\ufe0f?\s+(?=\w)")
_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}")


def plain_symbols(text: str) -> str:
    """Check and cross marks as words: "✓ Built-in" is "Built-in", a lone "✅" is "yes"."""
    text = _MARK_BEFORE_WORD.sub("", text)
    return _MARK.sub(lambda m: "yes" if m.group(1) in _YES else "no", text)


def _cells(line: str) -> list[str]:
    return [" ".join(c.split()) for c in line.strip().strip("|").split("|")]


def _key(cells: list[str]) -> list[str]:
    return [c.casefold() for c in cells]


@lru_cache(maxsize=256)
def table_row(seed: Path, quote: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(header, row) when `quote` is a row of a table in the seed file; else None (a
    sentence, a header row, or a seed that cannot be read: the quote is shown as it is)."""
    if "|" not in quote:
        return None
    try:
        lines = read_bounded(seed, MAX_SEED_BYTES).decode("utf-8").splitlines()
    except (OSError, Refused, UnicodeDecodeError):
        return None
    want = _key(_cells(quote))
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("|") or _key(_cells(line))[: len(want)] != want:
            continue
        top = i
        while top > 0 and lines[top - 1].lstrip().startswith("|"):
            top -= 1
        if top == i or _SEPARATOR.match(lines[top].strip()):
            return None  # the quote is the header itself
        header, row = _cells(lines[top]), _cells(line)
        if len(header) != len(row):
            return None
        return tuple(header), tuple(row)
    return None


def sentence(seeds: Path, seed: str, quote: str) -> str:
    """The quote as one line of words: a table row as "header: cell; header: cell"."""
    found = table_row(Path(seeds) / seed, quote)
    if found is None:
        return plain_symbols(quote)
    header, row = found
    return "; ".join(f"{h}: {plain_symbols(c)}" for h, c in zip(header, row, strict=True))
