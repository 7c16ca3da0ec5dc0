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
