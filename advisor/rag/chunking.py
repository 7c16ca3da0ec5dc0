"""Token-aware chunking with overlap that keeps headings and paragraphs together.

Tokens are counted with the embedding model's own tokenizer (the `tokenizers` library,
no model load), so a chunk's size is what the embedder actually sees.
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


@lru_cache(maxsize=1)
def default_tokenizer() -> HFTokenizer:
    """The tokenizer of the built-in embedding model."""
    from advisor.rag.embedder import minilm_path

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

    @property
    def id(self) -> str:
        return f"{self.doc_id}:{self.index}"

    @property
    def indexed_text(self) -> str:
        return indexed_text(self.document, self.heading, self.text)


def indexed_text(document: str, heading: str, text: str) -> str:
    """What search sees: where the chunk sits (file and headings), then its text."""
    where = f"{Path(document).stem.replace('_', ' ')}: {heading}".rstrip(": ")
    return f"{where}\n{text}"


_PARAGRAPHS = re.compile(r"\n\s*\n")


def chunk_document(
    doc: Document, size: int = 256, overlap: int = 32, tokenizer: Tokenizer | None = None
) -> list[Chunk]:
    """Split a document into chunks of at most `size` tokens.

    Sections (under one heading, on one page) are never mixed in one chunk. Within a
    section, whole paragraphs are packed together; a paragraph larger than `size` is cut
    on token boundaries. Consecutive chunks of a section share `overlap` tokens.
    """
    if not 0 <= overlap < size:
        raise ValueError("overlap must be at least 0 and smaller than size")
    tok = tokenizer or default_tokenizer()
    chunks: list[Chunk] = []
    for section in doc.sections:
        for text in _pack(section.text, size, overlap, tok):
            chunks.append(
                Chunk(
                    doc.doc_id,
                    doc.name,
                    len(chunks),
                    text,
                    section.heading,
                    section.page,
                    tok.count(text),
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
        else:
            windows = _windows(para, size, overlap, tok)
            pieces.extend((w, tok.count(w), i > 0) for i, w in enumerate(windows))
    out: list[str] = []
    current: list[str] = []
    used = 0
    for piece, n, continues in pieces:
        if current and used + n > size:
            out.append("\n\n".join(current))
            tail = "" if continues else _tail(out[-1], overlap, tok)
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
