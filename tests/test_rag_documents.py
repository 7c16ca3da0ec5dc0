"""Loaders: formats, page numbers, headings, boilerplate, and every bad-file case."""

import io

import pytest
from conftest import ROOT

from advisor.rag.documents import LoadError, document_id, load_bytes, load_file

CORPUS = ROOT / "demo_corpus"


def test_pdf_keeps_page_numbers():
    doc = load_file(CORPUS / "onboarding_guide.pdf")
    assert [s.page for s in doc.sections] == [1, 2, 3]
    assert "DS-101" in doc.sections[1].text


def test_docx_keeps_headings():
    doc = load_file(CORPUS / "warranty_policy.docx")
    assert doc.sections[1].heading == "Warranty Policy > KestrelCare+"
    assert "1,150 euros" in doc.sections[1].text


def test_html_drops_boilerplate_and_keeps_headings():
    doc = load_file(CORPUS / "product_scout.html")
    text = doc.text
    assert "1,200 tags per minute" in text
    for junk in ("Cookie settings", "Contact us", "analytics", "font-family"):
        assert junk not in text
    assert doc.sections[1].heading == "Scout KD-SC2 Inventory Drone > Scanning"


def test_markdown_sections_carry_the_heading_path():
    doc = load_file(CORPUS / "refund_policy.md")
    assert [s.heading for s in doc.sections] == [
        "Refund and Returns Policy > Refund window",
        "Refund and Returns Policy > Conditions",
        "Refund and Returns Policy > How to return",
    ]


def test_ids_are_stable_and_change_with_content_or_name():
    a = load_bytes("a.txt", b"hello world")
    assert (
        a.doc_id
        == load_bytes("a.txt", b"hello world").doc_id
        == document_id("a.txt", b"hello world")
    )
    assert a.doc_id != load_bytes("a.txt", b"hello world!").doc_id
    assert a.doc_id != load_bytes("b.txt", b"hello world").doc_id


def _docx_bytes() -> bytes:
    from docx import Document

    buf = io.BytesIO()
    d = Document()
    d.add_paragraph("Policy", style="Heading 1")
    d.add_paragraph("Body text.")
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Code", "KD-9"
    d.save(buf)
    return buf.getvalue()


def test_docx_tables_are_read():
    doc = load_bytes("t.docx", _docx_bytes())
    assert "Code | KD-9" in doc.text


BAD = [
    ("empty.txt", b"", "file is empty"),
    ("blank.md", b"  \n\n  ", "file is empty"),
    ("corrupt.pdf", b"%PDF-1.4\nthis is not really a pdf\n%%EOF", "corrupt PDF"),
    ("truncated.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "PDF"),
    ("photo.txt", bytes(range(256)) * 4, "binary file"),
    ("latin1.txt", "Prix: 100 €, déjà".encode("cp1252"), "not UTF-8"),
    ("slides.pptx", b"PK\x03\x04 whatever", "unsupported type '.pptx'"),
    ("noext", b"text", "unsupported type 'none'"),
    ("broken.docx", b"not a zip at all", "corrupt DOCX"),
    ("empty.html", b"<html><body><script>x()</script></body></html>", "no text found"),
]


@pytest.mark.parametrize(("name", "data", "reason"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_raise_load_error_naming_the_file(name, data, reason):
    with pytest.raises(LoadError) as exc:
        load_bytes(name, data)
    assert exc.value.name == name
    assert reason in exc.value.reason
    assert str(exc.value).startswith(f"{name}: ")


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 300_000)  # 1.5 MB
    with pytest.raises(LoadError, match="larger than the 1 MB limit"):
        load_file(path, max_mb=1)


def test_missing_file(tmp_path):
    with pytest.raises(LoadError, match="cannot read"):
        load_file(tmp_path / "gone.md")


def test_golden_set_and_updates_refer_to_real_documents():
    from advisor.questionsets.files import load_question_file
    from advisor.rag.pipeline import expand_paths

    names = {p.name for p in expand_paths([CORPUS])}
    assert 15 <= len(names) <= 30
    assert {".pdf", ".docx", ".html", ".md", ".txt"} <= {n[n.rfind(".") :] for n in names}
    golden = load_question_file(CORPUS / "golden.yaml")
    assert all(q.documents and set(q.documents) <= names for q in golden.questions)
    assert {q.tag for q in golden.questions} == {"exact-term", "paraphrased", "multi-hop"}
    updated = {p.name for p in (CORPUS / "updates").iterdir()}
    assert updated and updated <= names
    for q in golden.questions:  # every changed fact is in a document that has an update
        if q.updated_answer:
            assert set(q.documents) & updated, q.id


def _docx_with_link_and_table() -> bytes:
    """A heading, a paragraph with a real hyperlink and a bare URL, a 40-row table, and a
    paragraph after the table."""
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = Document()
    d.add_paragraph("Limits", style="Heading 1")
    p = d.add_paragraph("See the ")
    rid = p.part.relate_to(
        "https://example.com/x/2914079/limits", RELATIONSHIP_TYPE.HYPERLINK, True
    )
    link, run, text = OxmlElement("w:hyperlink"), OxmlElement("w:r"), OxmlElement("w:t")
    link.set(qn("r:id"), rid)
    text.text = "limits page"
    run.append(text)
    link.append(run)
    p._p.append(link)
    p.add_run(" or https://example.org/8841/faq for more.")
    table = d.add_table(rows=41, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Model", "Payload"
    for i in range(1, 41):
        table.rows[i].cells[0].text, table.rows[i].cells[1].text = f"KD-{i:03d}", f"{i} kg"
    d.add_paragraph("After the table.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_links_read_as_text_and_tables_stay_in_place_with_their_header():
    from advisor.rag.chunking import chunk_document

    doc = load_bytes("limits.docx", _docx_with_link_and_table())
    text = doc.text
    assert "See the limits page or  for more." in text
    assert "2914079" not in text and "8841" not in text  # URLs are not text
    links = {u for s in doc.sections for u in s.links}
    assert links == {"https://example.com/x/2914079/limits", "https://example.org/8841/faq"}
    # body order: the table sits before the paragraph that follows it in the document
    assert text.index("KD-040") < text.index("After the table.")
    chunks = chunk_document(doc, 96, 16)
    rows = [c for c in chunks if "KD-0" in c.text]
    assert len(rows) > 2
    for c in rows:  # every chunk that holds rows says which column is which, above them
        lines = c.text.splitlines()
        first_row = next(i for i, line in enumerate(lines) if line.startswith("| KD-"))
        assert "| Model | Payload |" in lines[:first_row]
    assert all("example" not in c.text for c in chunks)
