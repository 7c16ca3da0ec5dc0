"""Load PDF, DOCX, HTML, Markdown and text files into sections with page and heading.

Each bad file raises LoadError naming the file; callers carry on with the others.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from advisor.errors import AdvisorError
from advisor.rag.links import strip_links

SUPPORTED = {".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt"}
# Budgets a hostile file cannot pass: a PDF's pages and the time its text may take, and
# what a DOCX may inflate to (its XML is parsed whole: memory grows about tenfold)
PDF_MAX_PAGES = 5000
PDF_SECONDS = 120.0
DOCX_MAX_XML_BYTES = 64 * 1024 * 1024
DOCX_MAX_BYTES = 256 * 1024 * 1024


class LoadError(AdvisorError):
    """A file that cannot be ingested, with the reason."""

    def __init__(self, name: str, reason: str) -> None:
        self.name, self.reason = name, reason
        super().__init__(f"{name}: {reason}")


@dataclass(frozen=True)
class Section:
    text: str
    heading: str = ""
    page: int | None = None
    # The section's link targets: shown with its sources, never embedded or prompted
    # (a URL's digits are not facts, and long URLs filled chunks)
    links: tuple[str, ...] = ()


@dataclass
class Document:
    name: str
    doc_id: str
    sections: list[Section] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections)


def document_id(name: str, data: bytes) -> str:
    """Stable id from the file's name and content: same file, same id."""
    return hashlib.sha256(name.encode() + b"\0" + data).hexdigest()[:16]


def load_bytes(name: str, data: bytes, max_mb: float = 20) -> Document:
    """Parse one file's bytes; `name` decides the format by its suffix."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(
            name,
            f"unsupported type '{suffix or 'none'}' (supported: {', '.join(sorted(SUPPORTED))})",
        )
    if len(data) > max_mb * 1024 * 1024:
        raise LoadError(
            name, f"larger than the {max_mb:g} MB limit ({len(data) / 1024 / 1024:.1f} MB)"
        )
    if not data.strip():
        raise LoadError(name, "file is empty")
    parse = {".pdf": _pdf, ".docx": _docx, ".html": _html, ".htm": _html}.get(suffix, _text)
    try:
        sections = parse(name, data)
    except LoadError:
        raise
    except Exception as exc:  # parsers raise many types on corrupt input
        raise LoadError(
            name, f"cannot be read as {suffix[1:].upper()}: {type(exc).__name__}: {exc}"
        ) from None
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise LoadError(name, "no text found (a scanned PDF needs OCR first)")
    return Document(name, document_id(name, data), sections)


def load_file(path: Path | str, max_mb: float = 20) -> Document:
    """Read and parse one file from disk."""
    from advisor.files import Refused, read_bounded

    path = Path(path)
    try:
        data = read_bounded(path, int(max_mb * 1024 * 1024))
    except Refused as exc:
        raise LoadError(path.name, exc.reason) from None
    except OSError as exc:
        raise LoadError(path.name, f"cannot read: {exc.strerror}") from None
    return load_bytes(path.name, data, max_mb)


# A byte-order mark says the encoding; UTF-32's marks first (UTF-16 LE's is a prefix of one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(name: str, data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue  # e.g. UTF-16 text that starts with a NUL: try the next mark
    if b"\0" in data[:8192]:
        raise LoadError(name, "looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(name, f"not UTF-8 text (byte {exc.start}: {exc.reason})") from None


class _Outline:
    """The path of headings above the current paragraph, e.g. 'Policy > Refunds'."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def enter(self, level: int, title: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))

    @property
    def path(self) -> str:
        return " > ".join(t for _, t in self.stack)


def _text(name: str, data: bytes) -> list[Section]:
    text = _decode(name, data)
    if Path(name).suffix.lower() in (".md", ".markdown"):
        return _markdown_sections(text)
    body, links = strip_links(text)  # bare URLs in plain text too
    return [Section(body.strip(), links=links)]


# One pass over the line, then plain string methods for the closing #s: the earlier
# `\s+(.*?)\s*#*\s*$` backtracked cubically on a heading followed by many spaces.
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")


def _heading_title(raw: str) -> str:
    title = raw.strip()
    bare = title.rstrip("#")
    if bare != title and (not bare or bare[-1] in " \t"):  # a closing sequence: "## A ##"
        title = bare.strip()
    return title


def _markdown_sections(text: str) -> list[Section]:
    # Markdown needs no parser for this: a section runs from one ATX heading to the next.
    sections: list[Section] = []
    outline, lines, fenced = _Outline(), [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else _MD_HEADING.match(line)
        if match:
            if "".join(lines).strip():
                sections.append(_md_section("\n".join(lines), outline.path))
            outline.enter(len(match.group(1)), strip_links(_heading_title(match.group(2)))[0])
            lines = []
        else:
            lines.append(line)
    if "".join(lines).strip():
        sections.append(_md_section("\n".join(lines), outline.path))
    return [s for s in sections if s.text]


def _md_section(text: str, heading: str) -> Section:
    body, links = strip_links(text)
    return Section(body.strip(), heading, links=links)


def _pdf(name: str, data: bytes) -> list[Section]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError(name, "PDF is encrypted")
        count = len(reader.pages)
        if count > PDF_MAX_PAGES:
            raise LoadError(name, f"{count} pages, over the {PDF_MAX_PAGES}-page limit (split it)")
        started = time.monotonic()
        done: dict[str, str] = {}  # pages that draw the same content show the same text
        pages = []
        for i, page in enumerate(reader.pages):
            key = _content_key(page)
            if key not in done:
                if time.monotonic() - started > PDF_SECONDS:
                    raise LoadError(
                        name,
                        f"reading its text took over {PDF_SECONDS:g} s (stopped at page {i + 1} "
                        f"of {count}); split the PDF or save it as text",
                    )
                done[key] = page.extract_text() or ""
            pages.append((i + 1, done[key]))
    except PdfReadError as exc:
        raise LoadError(name, f"corrupt PDF: {exc}") from None
    sections = []
    for page, text in pages:
        body, links = strip_links(text)  # a URL printed on the page: metadata, not text
        sections.append(Section(body.strip(), _first_line(body), page, links=links))
    return sections


def _content_key(page: object) -> str:
    """What a page's text depends on: its content streams and resources, by reference."""
    raw = page.get_object()  # type: ignore[attr-defined]
    parts = [repr(raw.raw_get(k)) if k in raw else "" for k in ("/Contents", "/Resources")]
    return "|".join(parts) or f"page-{id(raw)}"


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= 80 else ""


def _docx(name: str, data: bytes) -> list[Section]:
    import io
    import zipfile

    from docx import Document as Docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_inflated(name, archive.infolist())
        doc = Docx(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise LoadError(name, "corrupt DOCX (not a zip archive)") from None
    from docx.table import Table

    sections: list[Section] = []
    outline, paras, links = _Outline(), [], []

    def close() -> None:
        if paras:
            sections.append(Section("\n\n".join(paras), outline.path, links=tuple(links)))

    # body order: a table stays under the heading and beside the paragraphs it belongs to
    for block in doc.iter_inner_content():
        if isinstance(block, Table):  # tables often hold the facts (price lists, limits)
            rows = [[" ".join(c.text.split()) for c in row.cells] for row in block.rows]
            if rows:
                # a Markdown table: the chunker repeats the header row in every piece
                rule = "|" + "---|" * len(rows[0])
                lines = ["| " + " | ".join(r) + " |" for r in rows]
                text, bare = strip_links("\n".join([*lines[:1], rule, *lines[1:]]))
                paras.append(text)
                links += [u for u in bare if u not in links]
            continue
        style = (block.style.name or "") if block.style is not None else ""
        level = 0 if style == "Title" else _heading_level(style)
        if level is not None:
            close()
            outline.enter(level, block.text.strip())
            paras, links = [], []
            continue
        # a hyperlink reads as its text; its target goes with the section, never the text
        targets = [h.url for h in block.hyperlinks if h.url]
        text, bare = strip_links(block.text.strip())
        if text.strip():
            paras.append(text.strip())
        links += [u for u in targets + list(bare) if u not in links]
    close()
    return sections


def _check_inflated(name: str, members: list) -> None:
    """Refuse a DOCX that would inflate past the budgets (a zip bomb), before parsing.

    The sizes are the archive's own; zipfile stops reading a member at its stated size
    and checks its CRC, so a member cannot inflate past what it states.
    """
    xml = sum(m.file_size for m in members if m.filename.endswith((".xml", ".rels")))
    total = sum(m.file_size for m in members)
    mb = 1024 * 1024
    if xml > DOCX_MAX_XML_BYTES:
        raise LoadError(
            name,
            f"its XML inflates to {xml / mb:.0f} MB, over the {DOCX_MAX_XML_BYTES // mb} MB "
            "a DOCX may hold (a zip bomb, or split the document)",
        )
    if total > DOCX_MAX_BYTES:
        raise LoadError(
            name,
            f"inflates to {total / mb:.0f} MB, over the {DOCX_MAX_BYTES // mb} MB a DOCX "
            "may hold (a zip bomb, or split the document)",
        )


def _heading_level(style: str) -> int | None:
    match = re.fullmatch(r"Heading (\d)", style)
    return int(match.group(1)) if match else None


_BOILERPLATE = [
    "script",
    "style",
    "nav",
    "header",
    "footer",
    "aside",
    "noscript",
    "form",
    "iframe",
    "svg",
]


def _html(name: str, data: bytes) -> list[Section]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    for tag in soup(_BOILERPLATE):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    sections: list[Section] = []
    outline, paras, links = _Outline(), [], []

    def close() -> None:
        if paras:
            sections.append(Section("\n\n".join(paras), outline.path, links=tuple(links)))

    blocks = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "table"]
    for el in root.find_all(blocks):
        if el.find_parent(["li", "p", "table"]):  # nested: counted with its parent
            continue
        if el.name == "table":  # one row a line, cells joined: the header row stays first
            rows = [
                " | ".join(
                    " ".join(c.get_text(" ", strip=True).split()) for c in tr.find_all(["th", "td"])
                )
                for tr in el.find_all("tr")
            ]
            text = "\n".join(r for r in rows if r.strip(" |"))
        else:
            text = " ".join(el.get_text(" ", strip=True).split())
        text, bare = strip_links(text)
        if not text.strip():
            continue
        if el.name.startswith("h"):
            close()
            outline.enter(int(el.name[1]), text)
            paras, links = [], []
        else:
            paras.append(text.strip())
            targets = [a.get("href", "") for a in el.find_all("a")] + list(bare)
            links += [u for u in targets if u and not u.startswith("#") and u not in links]
    close()
    if not sections:
        title = soup.title.get_text(strip=True) if soup.title else ""
        body = " ".join(root.get_text(" ", strip=True).split())
        sections = [Section(body, title)] if body else []
    return sections
