"""Token-aware chunking with overlap that keeps headings and paragraphs together.

Tokens are counted with the embedding model's own tokenizer (the `tokenizers` library,
no model load). `size` budgets everything the embedder reads for one chunk: its special
tokens, the file-and-heading prefix of `indexed_text`, and the text. Nothing is cut off
silently when the chunk is embedded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from advisor.rag.documents import Document


class Tokenizer(Protocol):
    def count(self, text: str) -> int: ...
    def spans(self, text: str) -> list[tuple[int, int]]: ...


class HFTokenizer:
    """A tokenizer.json file, read with the `tokenizers` library."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer as _T

        self._tok = _T.from_file(str(path))
        self._tok.no_truncation()
        self._tok.no_padding()

    def count(self, text: str) -> int:
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of each token, to cut text on token boundaries."""
        return list(self._tok.encode(text, add_special_tokens=False).offsets)

    @property
    def special_tokens(self) -> int:
        """Tokens the model adds around every text ([CLS] and [SEP] for MiniLM)."""
        return len(self._tok.encode("", add_special_tokens=True).ids)


@lru_cache(maxsize=1)
def default_tokenizer() -> HFTokenizer:
    """The tokenizer of the built-in embedding model."""
    from advisor.rag.models import minilm_path

    return HFTokenizer(minilm_path() / "tokenizer.json")


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    document: str
    index: int
    text: str
    heading: str
    page: int | None
    tokens: int
    links: tuple[str, ...] = ()  # the section's link targets (metadata, never embedded)

    @property
    def id(self) -> str:
        return f"{self.doc_id}:{self.index}"

    @property
    def indexed_text(self) -> str:
        return indexed_text(self.document, self.heading, self.text)


def indexed_text(document: str, heading: str, text: str) -> str:
    """What search sees: where the chunk sits (file and headings), then its text."""
    return f"{_where(document, heading)}\n{text}"


def _where(document: str, heading: str) -> str:
    return f"{Path(document).stem.replace('_', ' ')}: {heading}".rstrip(": ")


def _fit_heading(document: str, heading: str, limit: int, tok: Tokenizer) -> tuple[str, int]:
    """The heading, cut on a token boundary when the prefix would pass `limit` tokens
    (a whole paragraph styled as a heading must not eat the chunk); and the prefix's tokens.
    """
    n = tok.count(_where(document, heading))
    if n <= limit or not heading:
        return heading, n
    spans = tok.spans(heading)
    keep = max(0, len(spans) - (n - limit) - 1)  # one token for the ellipsis
    heading = (heading[: spans[keep - 1][1]] + "…") if keep else ""
    return heading, tok.count(_where(document, heading))


_PARAGRAPHS = re.compile(r"\n\s*\n")


def chunk_document(
    doc: Document, size: int = 256, overlap: int = 32, tokenizer: Tokenizer | None = None
) -> list[Chunk]:
    """Split a document into chunks whose embedded text is at most `size` tokens.

    `size` covers what the embedder reads: special tokens, the file-and-heading prefix
    (`indexed_text`) and the chunk's text; the text gets what the prefix leaves. Sections
    (under one heading, on one page) are never mixed in one chunk. Within a section, whole
    paragraphs are packed together; a paragraph larger than the budget is cut on token
    boundaries. Consecutive chunks of a section share up to `overlap` tokens.
    """
    if not 0 <= overlap < size:
        raise ValueError("overlap must be at least 0 and smaller than size")
    tok = tokenizer or default_tokenizer()
    room = size - getattr(tok, "special_tokens", 0)
    chunks: list[Chunk] = []
    for section in doc.sections:
        heading, prefix = _fit_heading(doc.name, section.heading, room // 2, tok)
        budget = max(room - prefix, 1)
        for text in _pack(section.text, budget, min(overlap, budget // 2), tok):
            chunks.append(
                Chunk(
                    doc.doc_id,
                    doc.name,
                    len(chunks),
                    text,
                    heading,
                    section.page,
                    tok.count(text),
                    section.links,
                )
            )
    return chunks


def _pack(text: str, size: int, overlap: int, tok: Tokenizer) -> list[str]:
    # (piece, tokens, continues): windows cut from one long paragraph already overlap.
    # Counts add up across "\n\n" joins: the tokenizer splits on whitespace first, so a
    # paragraph is counted once instead of once per candidate chunk.
    pieces: list[tuple[str, int, bool]] = []
    for para in (p.strip() for p in _PARAGRAPHS.split(text)):
        if not para:
            continue
        n = tok.count(para)
        if n <= size:
            pieces.append((para, n, False))
        elif _is_table(para):  # rows never cut, and every piece keeps the header row
            pieces.extend((t, tok.count(t), True) for t in _table_pieces(para, size, tok))
        else:
            windows = _windows(para, size, overlap, tok)
            pieces.extend((w, tok.count(w), i > 0) for i, w in enumerate(windows))
    out: list[str] = []
    current: list[str] = []
    used = 0
    for piece, n, continues in pieces:
        if current and used + n > size:
            out.append("\n\n".join(current))
            # no overlap after a table: its last rows would open the next chunk without
            # the header row that says which column is which
            tail = "" if continues or _is_table(current[-1]) else _tail(out[-1], overlap, tok)
            tail_n = tok.count(tail) if tail else 0
            if tail and tail_n + n <= size:
                current, used = [tail, piece], tail_n + n
            else:
                current, used = [piece], n
        else:
            current.append(piece)
            used += n
    if current:
        out.append("\n\n".join(current))
    return out


_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def _is_table(para: str) -> bool:
    """Rows of cells joined by `|` (Markdown, and the DOCX and HTML loaders' tables)."""
    lines = para.splitlines()
    return len(lines) >= 3 and sum("|" in line for line in lines) >= len(lines) - 1


def _table_pieces(para: str, size: int, tok: Tokenizer) -> list[str]:
    """A table too long for one chunk, as runs of whole rows under its header row (and
    the Markdown separator line), so every chunk says which column is which."""
    lines = para.splitlines()
    head = lines[:2] if len(lines) > 1 and _SEPARATOR.match(lines[1].strip()) else lines[:1]
    head_n = tok.count("\n".join(head))
    if head_n * 2 > size:  # a header that big leaves no room: cut like any paragraph
        return _windows(para, size, 0, tok)
    out, rows, used = [], [], head_n
    for row in lines[len(head) :]:
        n = tok.count(row) + 1
        if rows and used + n > size:
            out.append("\n".join(head + rows))
            rows, used = [], head_n
        if head_n + n > size:  # one row longer than a chunk: its own windows
            out += _windows(row, size, 0, tok)
            continue
        rows.append(row)
        used += n
    if rows:
        out.append("\n".join(head + rows))
    return out


def _windows(text: str, size: int, overlap: int, tok: Tokenizer) -> list[str]:
    spans = tok.spans(text)
    step = size - overlap
    out = []
    for start in range(0, len(spans), step):
        window = spans[start : start + size]
        out.append(text[window[0][0] : window[-1][1]])
        if start + size >= len(spans):
            break
    return out


def _tail(text: str, overlap: int, tok: Tokenizer) -> str:
    if overlap == 0:
        return ""
    spans = tok.spans(text)
    if len(spans) <= overlap:
        return ""  # the whole chunk would repeat; start fresh instead
    return text[spans[-overlap][0] :]


def preview(doc: Document, size: int = 256, overlap: int = 32) -> list[dict[str, object]]:
    """The chunks of a document with their token counts, for the app's preview."""
    return [
        {"chunk": c.index, "heading": c.heading, "page": c.page, "tokens": c.tokens, "text": c.text}
        for c in chunk_document(doc, size, overlap)
    ]
