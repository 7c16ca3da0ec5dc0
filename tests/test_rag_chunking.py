"""Chunking with the embedding model's real tokenizer."""

import itertools

import pytest
from conftest import ROOT

from advisor.rag.chunking import chunk_document, default_tokenizer, preview
from advisor.rag.documents import Document, Section, load_file

TOK = default_tokenizer()


def _long_doc() -> Document:
    paras = [
        f"Paragraph {i} says that widget W-{i} weighs {i * 3} grams and ships in box {i}."
        for i in range(60)
    ]
    return Document(
        "long.md",
        "d1",
        [Section("\n\n".join(paras), "Specs"), Section("Short closing note.", "End")],
    )


@pytest.mark.parametrize("size", [64, 128, 256])
def test_chunks_respect_the_size_and_keep_sections_apart(size):
    chunks = chunk_document(_long_doc(), size=size, overlap=16)
    assert all(c.tokens <= size for c in chunks)
    assert all(c.tokens == TOK.count(c.text) for c in chunks)
    assert chunks[-1].text == "Short closing note." and chunks[-1].heading == "End"
    assert {c.heading for c in chunks[:-1]} == {"Specs"}
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_consecutive_chunks_overlap_and_nothing_is_lost():
    chunks = [c for c in chunk_document(_long_doc(), size=64, overlap=16) if c.heading == "Specs"]
    for a, b in itertools.pairwise(chunks):
        tail = a.text[-20:]
        assert tail in b.text  # the next chunk starts with the end of this one
    joined = " ".join(c.text for c in chunks)
    for i in range(60):
        assert f"widget W-{i} " in joined


def test_a_paragraph_larger_than_a_chunk_is_cut_on_token_boundaries():
    doc = Document("one.txt", "d2", [Section(" ".join(f"word{i}" for i in range(400)))])
    chunks = chunk_document(doc, size=100, overlap=10)
    assert len(chunks) >= 4 and all(c.tokens <= 100 for c in chunks)
    assert chunks[0].text.startswith("word0 ") and chunks[-1].text.endswith("word399")


def test_pdf_chunks_keep_their_page():
    chunks = chunk_document(load_file(ROOT / "demo_corpus" / "pricing_2025.pdf"), 256, 32)
    assert {c.page for c in chunks} == {1, 2}


def test_preview_lists_chunks_with_token_counts():
    rows = preview(_long_doc(), size=128, overlap=16)
    assert rows[0]["chunk"] == 0 and 0 < rows[0]["tokens"] <= 128
    assert set(rows[0]) == {"chunk", "heading", "page", "tokens", "text"}


def test_bad_overlap():
    with pytest.raises(ValueError):
        chunk_document(_long_doc(), size=64, overlap=64)


def test_links_read_as_their_text_and_their_targets_stay_beside_the_chunk():
    from advisor.rag.documents import load_bytes

    md = (
        "# Leave\n\nSee the [leave policy](https://example.com/hr/2914079/buckets/leave "
        '"HR") for details, or <https://example.com/faq/123>. Staff get 25 days a year.\n\n'
        "Managers approve leave in [the portal][p].\n\n[p]: https://portal.example.com/4711\n"
    )
    doc = load_bytes("leave.md", md.encode())
    chunks = chunk_document(doc, 256, 32)
    text = " ".join(c.text for c in chunks)
    assert "leave policy for details" in text and "the portal." in text
    assert "http" not in text and "2914079" not in text and "4711" not in text
    assert chunks[0].links == (
        "https://portal.example.com/4711",
        "https://example.com/hr/2914079/buckets/leave",
        "https://example.com/faq/123",
    )
    html = (
        b"<html><body><h1>Leave</h1><p>Read <a href='https://example.com/a/99'>the policy</a>"
        b" (also https://example.com/b/77).</p></body></html>"
    )
    page = load_bytes("leave.html", html)
    assert page.sections[0].text == "Read the policy (also )."
    assert page.sections[0].links == ("https://example.com/a/99", "https://example.com/b/77")


def test_a_long_table_keeps_its_header_row_in_every_chunk():
    from advisor.rag.documents import load_bytes

    rows = "\n".join(f"| KD-{i:03d} | {i * 10} kg | {i % 7 + 1} hours |" for i in range(80))
    md = f"# Models\n\n| Model | Payload | Flight time |\n|---|---|---|\n{rows}\n"
    chunks = chunk_document(load_bytes("models.md", md.encode()), 128, 16)
    assert len(chunks) > 3
    for c in chunks:
        lines = c.text.splitlines()
        assert lines[0] == "| Model | Payload | Flight time |" and lines[1] == "|---|---|---|"
        assert all(line.startswith("| KD-") and line.endswith("|") for line in lines[2:])
    body = [line for c in chunks for line in c.text.splitlines()[2:]]
    assert body == rows.splitlines()  # every row once, whole, in order
    html = "<table><tr><th>Model</th><th>Payload</th></tr>" + "".join(
        f"<tr><td>KD-{i:03d}</td><td>{i} kg</td></tr>" for i in range(60)
    )
    page = chunk_document(load_bytes("t.html", f"<body>{html}</table></body>".encode()), 96, 16)
    assert len(page) > 1 and all(c.text.startswith("Model | Payload\n") for c in page)


def test_the_chunk_after_a_table_does_not_open_with_its_headerless_rows():
    from advisor.rag.documents import load_bytes

    # a paragraph, then a table that ends the chunk, then a paragraph that does not fit:
    # the overlap would carry the table's last rows into the next chunk without its header
    rows = "\n".join(f"| KD-{i:03d} | {i * 10} kg |" for i in range(5))
    para = " ".join(f"word{i}" for i in range(15))
    md = f"# Models\n\n{para}\n\n| Model | Payload |\n|---|---|\n{rows}\n\n{para} end\n"
    chunks = chunk_document(load_bytes("models.md", md.encode()), 96, 16)
    assert "| KD-004 |" in chunks[-2].text  # the table ends a chunk that is not the last
    for c in chunks:
        lines = c.text.splitlines()
        if any(line.startswith("| KD-") for line in lines):
            first_row = next(i for i, line in enumerate(lines) if line.startswith("| KD-"))
            assert "| Model | Payload |" in lines[:first_row]
