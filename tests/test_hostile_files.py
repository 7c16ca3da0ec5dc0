"""Files and folders that try to hang, exhaust or escape the advisor: each is refused in
one line, or read within bounds, and never read from outside where the user pointed.

Time and memory are measured in a child process, against a benign input of the same
size read in the same child (a ratio, not a wall-clock limit); a timeout only guards
against a hang.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
from conftest import FakeGenerator, run_cli

from advisor.files import Refused, read_bounded
from advisor.rag.documents import LoadError, load_bytes, load_file
from advisor.rag.pipeline import RagPipeline, expand_paths, links_leaving

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def _child(code: str, timeout: float = 120) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- regular files only, and never more than the limit --------------------------------


@needs_fifo
def test_a_fifo_is_refused_by_type_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "notes.md"
    os.mkfifo(fifo)
    with pytest.raises(LoadError, match=r"notes\.md: a named pipe, not a file"):
        load_file(fifo)


def test_a_device_is_refused_by_type_not_read_until_memory_runs_out():
    with pytest.raises(Refused, match="a character device, not a file"):
        read_bounded("/dev/zero", 1024)
    with pytest.raises(LoadError, match="zero: a character device"):
        load_file("/dev/zero")


def test_the_read_stops_at_the_limit_even_when_the_size_says_less(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)
    real_fstat = os.fstat

    def lying_fstat(fd):  # a file that grows after its size was read
        st = real_fstat(fd)
        return os.stat_result((*st[:6], 10, *st[7:]))

    monkeypatch.setattr(os, "fstat", lying_fstat)
    with pytest.raises(Refused, match="grew while being read"):
        read_bounded(big, 1000)
    monkeypatch.undo()
    assert read_bounded(big, 5000) == b"x" * 5000


@needs_fifo
def test_ingest_of_a_fifo_and_a_device_says_so_in_one_line_each(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    done = run_cli("ingest", str(fifo), "/dev/zero", "--data-dir", str(tmp_path / "d"))
    assert done.returncode == 2, done.stderr
    assert "pipe.txt" in done.stdout and "a named pipe, not a file" in done.stdout
    assert "zero" in done.stdout and "a character device, not a file" in done.stdout
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: none of the 2 file(s)")


# --- parsers with budgets --------------------------------------------------------------


def _docx_with_document_xml(size: int) -> bytes:
    """A real DOCX (python-docx's) whose document.xml is padded to `size` bytes."""
    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * size, 1)
            dst.writestr(item.filename, data)
    return out.getvalue()


def test_a_docx_that_inflates_a_hundredfold_is_refused_before_parsing():
    bomb = _docx_with_document_xml(100 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # a small file on disk
    with pytest.raises(LoadError, match=r"bomb.docx: its XML inflates to 10\d MB, over the 64 MB"):
        load_bytes("bomb.docx", bomb)


def test_the_docx_bomb_check_keeps_memory_flat(tmp_path):
    (tmp_path / "bomb.docx").write_bytes(_docx_with_document_xml(300 * 1024 * 1024))
    code = f"""
import json, resource
from advisor.rag.documents import LoadError, load_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    load_file({str(tmp_path / "bomb.docx")!r})
except LoadError as exc:
    message = str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"message": message, "grew_mb": (after - before) / 1024}}))
"""
    out = _child(code)
    assert "its XML inflates to 30" in out["message"]
    assert out["grew_mb"] < 100  # parsing it would take gigabytes


def _pdf_sharing_one_content_stream(pages: int, ops: int) -> bytes:
    """`pages` pages that all draw the same heavy content stream (`ops` text operations)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    first = writer.add_blank_page(612, 792)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    resources = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    stream = DecodedStreamObject()
    stream.set_data(
        b"".join(b"BT /F1 9 Tf 10 %d Td (word%d) Tj ET\n" % (i % 700, i) for i in range(ops))
    )
    content = writer._add_object(stream)
    res = writer._add_object(resources)
    first[NameObject("/Contents")] = content
    first[NameObject("/Resources")] = res
    for _ in range(pages - 1):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Contents")] = content
        page[NameObject("/Resources")] = res
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_pages_that_share_one_heavy_stream_are_read_once(tmp_path):
    (tmp_path / "one.pdf").write_bytes(_pdf_sharing_one_content_stream(1, 4000))
    (tmp_path / "many.pdf").write_bytes(_pdf_sharing_one_content_stream(300, 4000))
    code = f"""
import json, time
from advisor.rag.documents import load_file
def cpu(name):
    start = time.process_time()
    doc = load_file({str(tmp_path)!r} + "/" + name)
    return time.process_time() - start, doc
load_file({str(tmp_path / "one.pdf")!r})  # imports and caches out of the measurement
one, _ = cpu("one.pdf")
many, doc = cpu("many.pdf")
print(json.dumps({{"ratio": many / max(one, 1e-3), "pages": [s.page for s in doc.sections],
                   "same": len({{s.text for s in doc.sections}})}}))
"""
    out = _child(code)
    assert out["pages"] == list(range(1, 301)) and out["same"] == 1  # every page, once read
    assert out["ratio"] < 30  # read page by page it is about 300 times one page


def test_a_pdf_that_reads_too_slowly_stops_with_the_page_it_reached(monkeypatch):
    import advisor.rag.documents as documents

    slow = _pdf_sharing_one_content_stream(3, 10)
    monkeypatch.setattr(documents, "PDF_SECONDS", -1.0)  # the budget is spent at once
    with pytest.raises(
        LoadError, match=r"slow.pdf: reading its text took over -1 s \(stopped at page 1 of 3\)"
    ):
        load_bytes("slow.pdf", slow)


def test_a_pdf_with_too_many_pages_is_refused(monkeypatch):
    import advisor.rag.documents as documents

    monkeypatch.setattr(documents, "PDF_MAX_PAGES", 2)
    with pytest.raises(LoadError, match="3 pages, over the 2-page limit"):
        load_bytes("long.pdf", _pdf_sharing_one_content_stream(3, 10))


HOSTILE_MARKDOWN = {  # built in the child: expressions, not 200 KB arguments
    "heading then spaces": "'# h' + ' ' * 200_000 + 'x\\nbody'",
    "heading then hashes": "'# h' + ' #' * 100_000 + '\\nbody'",
    "open brackets": "'[' * 200_000",
    "unclosed links": "'[a](' * 50_000",
    "link then spaces": "'[a](b' + ' ' * 200_000",
    "reference runs": "'[a][' * 50_000",
}


def test_markdown_that_backtracked_reads_in_linear_time():
    code = f"""
import json, time
from advisor.rag.documents import load_bytes
cases = {{name: eval(expr) for name, expr in {HOSTILE_MARKDOWN!r}.items()}}
def cpu(text):
    start = time.process_time()
    try:
        load_bytes("x.md", text.encode())
    except Exception:
        pass
    return time.process_time() - start
benign = "# A heading\\nSome words in a [link](https://example.com) here.\\n" * 4000
cpu(benign)
base = cpu(benign)
print(json.dumps({{name: cpu(text) / max(base, 1e-3) for name, text in cases.items()}}))
"""
    ratios = _child(code)
    slow = {name: round(r, 1) for name, r in ratios.items() if r > 20}
    assert not slow, f"slower than 20x a benign file of about the same size: {slow}"


def test_headings_keep_their_titles():
    from advisor.rag.documents import _markdown_sections

    for line, title in [
        ("# Title", "Title"),
        ("## A ##", "A"),
        ("# C#", "C#"),
        ("#\tTab  ", "Tab"),
    ]:
        assert _markdown_sections(line + "\nbody")[0].heading == title


# --- paths stay where the user put them ------------------------------------------------


@pytest.fixture
def folder_with_escaping_link(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "policy.md").write_text("# Policy\nRefunds within 30 days.")
    (docs / "sub" / "passwd.md").symlink_to("/etc/passwd")
    (docs / "sub" / "same.md").symlink_to(docs / "policy.md")  # inside: fine
    return docs


def test_links_that_leave_the_folder_are_left_out_and_named(folder_with_escaping_link):
    docs = folder_with_escaping_link
    assert {p.name for p in expand_paths([docs], recursive=True)} == {"policy.md", "same.md"}
    assert [p.name for p in links_leaving([docs], recursive=True)] == ["passwd.md"]


def test_ingest_skips_a_link_to_etc_passwd_and_ask_cannot_return_it(
    folder_with_escaping_link, settings, embedder
):
    pipeline = RagPipeline(settings, "links", embedder=embedder, generator=FakeGenerator())
    results = {r.name: r for r in pipeline.ingest([folder_with_escaping_link], recursive=True)}
    assert results["passwd.md"].status == "error"
    assert "a link to a file outside the folder" in results["passwd.md"].message
    assert results["policy.md"].status == "added"
    assert "passwd.md" not in pipeline.store.documents()
    answer = pipeline.ask("root:x:0:0 bin bash daemon")
    assert all("root:" not in s.text for s in answer.sources)


def test_a_seed_must_be_a_file_name_in_seeds(tiny_rules):
    for seed in ("/etc/passwd", "../../proc/self/environ", "sub/tiny.txt"):
        text = (
            (tiny_rules / "decision.yaml").read_text().replace("seed: tiny.txt", f"seed: {seed}", 1)
        )
        (tiny_rules / "decision.yaml").write_text(text)
        done = run_cli("check-rules", "--rules", str(tiny_rules))
        assert done.returncode == 2, done.stdout
        assert (
            "decision.yaml" in done.stderr
            and "seed" in done.stderr
            and "should match" in done.stderr
        )
        assert "Traceback" not in done.stderr
        (tiny_rules / "decision.yaml").write_text(
            text.replace(f"seed: {seed}", "seed: tiny.txt", 1)
        )


def test_a_seed_that_links_outside_seeds_is_not_read(tiny_rules):
    (tiny_rules / "seeds" / "tiny.txt").unlink()
    (tiny_rules / "seeds" / "tiny.txt").symlink_to("/etc/passwd")
    done = run_cli("check-rules", "--rules", str(tiny_rules))
    assert done.returncode == 2
    assert "tiny.txt points outside" in done.stderr
    assert "passage not found" not in done.stderr  # nothing confirmed about /etc/passwd


@needs_fifo
def test_rules_files_that_are_a_fifo_or_a_device_are_refused_not_waited_on(tiny_rules):
    (tiny_rules / "decision.yaml").unlink()
    os.mkfifo(tiny_rules / "decision.yaml")
    (tiny_rules / "questions.yaml").unlink()
    (tiny_rules / "questions.yaml").symlink_to("/dev/zero")
    done = run_cli("check-rules", "--rules", str(tiny_rules), timeout=60)
    assert done.returncode == 2
    assert "decision.yaml: a named pipe, not a file" in done.stderr
    assert "questions.yaml: a character device, not a file" in done.stderr


# --- names are shown, never obeyed -----------------------------------------------------


@pytest.mark.parametrize(
    "name, shown",
    [
        ("a\npasswd.md  added  99 chunks", "a\\npasswd.md  added  99 chunks"),
        ("\x1b[2J\x1b[31mred.md", "\\x1b[2J\\x1b[31mred.md"),
        ("invoice\u202etxt.exe", "invoice\\u202etxt.exe"),
        ("zero\u200bwidth.md", "zero\\u200bwidth.md"),
        ("line\u2028break", "line\\u2028break"),
        ("p\u0430ypal.md", "p\u0430ypal.md [look-alike letters]"),  # a Cyrillic a
        ("ｐａｓｓｗｄ.md", "ｐａｓｓｗｄ.md [look-alike letters]"),
        ("café naïve.md", "café naïve.md"),
        ("日本語.md", "日本語.md"),
    ],
)
def test_visible_writes_controls_escapes_and_look_alikes_so_they_can_be_seen(name, shown):
    from advisor.terminal import visible

    assert visible(name) == shown
    assert "\n" not in visible(name) and "\x1b" not in visible(name)


def test_a_file_name_with_a_newline_forges_no_line_of_the_ingest_listing(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    forged = "real.md\n  passwd.md  added      99 chunks\n\x1b[31mnote.md"
    (docs / forged).write_text("# Note\nThe office opens at nine.")
    done = run_cli("ingest", str(docs), "--data-dir", str(tmp_path / "d"), timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert not any(line.lstrip().startswith("passwd.md") for line in lines)
    assert "\x1b" not in done.stdout
    assert any("real.md\\n  passwd.md" in line and "added" in line for line in lines)


def test_an_error_naming_a_hostile_file_stays_on_one_line(tmp_path):
    bad = tmp_path / "x\n\x1b[31mforged\u202e.yaml"
    bad.write_text("version: [")
    done = run_cli("advise", str(bad))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "\x1b" not in done.stderr and "\u202e" not in done.stderr
    assert "x\\n\\x1b[31mforged\\u202e.yaml" in done.stderr


def test_an_answer_keeps_its_lines_but_shows_escapes_copied_from_a_document():
    from advisor.terminal import visible_lines

    assert visible_lines("Line one\n\x1b[2JLine two\u202e") == "Line one\n\\x1b[2JLine two\\u202e"
