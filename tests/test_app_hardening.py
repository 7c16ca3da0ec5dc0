"""The app under hostile or careless use, headless with AppTest (tests/test_app.py style).

A reload keeps the workspace (its id is in the URL) and leaves no orphan collection; a
forged id gets a new workspace; an upload that would replace a different stored file of
the same name asks first; hostile YAML gets one line, and the server lives on; images in
documents are never live Markdown.
"""

import re

import pytest
from apptest import by_key as _by_key
from apptest import go as _go
from apptest import open_app
from streamlit.testing.v1 import AppTest
from test_yamlio import HOSTILE

from advisor.rag.answer import Answer, SourceRef
from advisor.settings import get_settings

HEX = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def app_data(monkeypatch, tmp_path):
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _app(url: dict | None = None, session: dict | None = None) -> AppTest:
    """A new browser session: the page opened at this URL (its query parameters)."""
    return open_app(url, session)


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader(key="docs_upload").set_value((name, data, "text/markdown"))
    at.run()
    _by_key(at.button, "docs_ingest").click().run()
    assert not at.exception, at.exception


def _headings(at: AppTest) -> str:
    return " | ".join(s.value for s in at.subheader)


# --- Workspaces ---------------------------------------------------------------------


def test_a_reload_keeps_the_workspace_and_leaves_no_orphan():
    at = _app()
    ws = at.session_state["ws_id"]
    assert HEX.fullmatch(ws) and at.query_params["ws"] == ws  # in the URL
    _go(at, "documents")
    _upload(at, "notes.md", b"# Notes\n\nThe canteen opens at noon on weekdays.\n")
    assert "1 document" in _headings(at)
    assert at.query_params["ws"] == ws  # still there after switching pages

    reloaded = _app(url={"ws": ws})  # the same URL in a new browser session
    assert reloaded.session_state["ws_id"] == ws
    _go(reloaded, "documents")
    assert "1 document" in _headings(reloaded)
    store = reloaded.session_state["rag_pipeline"].store
    assert [c.name for c in store.client.list_collections()] == [f"ws-{ws}"]  # no orphan

    other = _app()  # another browser, no id in its URL: its own, empty workspace
    assert other.session_state["ws_id"] != ws
    _go(other, "documents")
    assert any("No documents yet" in i.value for i in other.info)


@pytest.mark.parametrize(
    "forged",
    ["abc", "../../etc", "0" * 31, "0" * 33, "g" * 32, "A" * 32, "ws-" + "0" * 29, " " + "0" * 31],
)
def test_an_id_in_the_url_that_is_not_ours_gets_a_new_workspace(forged):
    at = _app(url={"ws": forged})
    ws = at.session_state["ws_id"]
    assert ws != forged and HEX.fullmatch(ws)
    assert at.query_params["ws"] == ws


# --- Uploads ------------------------------------------------------------------------

MINE = b"# SLA\n\nOur uptime target is 99.9 percent, measured monthly.\n"
THEIRS = b"# SLA\n\nThe supplier promises 95 percent uptime, measured yearly.\n"


def _stored_text(at: AppTest, name: str) -> str:
    return " ".join(c.text for c in at.session_state["rag_pipeline"].store.chunks_of(name))


def test_an_upload_never_silently_replaces_a_different_file_of_the_same_name():
    at = _go(_app(), "documents")
    _upload(at, "sla.md", MINE)
    assert "99.9 percent" in _stored_text(at, "sla.md")

    _upload(at, "sla.md", THEIRS)  # the same name, from another folder
    warning = " ".join(w.value for w in at.warning)
    assert "already stored" in warning and "sla" in warning
    assert "99.9 percent" in _stored_text(at, "sla.md")  # nothing replaced yet
    _by_key(at.button, "docs_clash_keep").click().run()
    assert any(s.value.startswith("Kept the stored sla.md") for s in at.success)
    assert "99.9 percent" in _stored_text(at, "sla.md")
    assert not any("already stored" in w.value for w in at.warning)

    _by_key(at.button, "docs_ingest").click().run()  # again, and this time replace it
    _by_key(at.button, "docs_clash_replace").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Replaced the stored sla.md") for s in at.success)
    assert "95 percent" in _stored_text(at, "sla.md")
    results = next(d for d in at.dataframe if "status" in d.value.columns).value
    assert results.set_index("name").loc["sla.md", "status"] == "replaced"

    _upload(at, "sla.md", THEIRS)  # the very same file again: nothing to ask
    assert not any("already stored" in w.value for w in at.warning)


# --- Hostile YAML on the questionnaire page -----------------------------------------


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_answers_uploads_give_one_line_and_the_server_lives(name):
    at = _app()
    at.file_uploader(key="qn_upload").set_value(("evil.yaml", HOSTILE[name].encode(), "text/yaml"))
    at.run()
    assert not at.exception, at.exception  # an error on the page, not a traceback
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("evil.yaml:") and "\n" not in errors[0]
    at.file_uploader(key="qn_upload").set_value(("ok.yaml", b"{}\n", "text/yaml"))
    at.run()  # the same session goes on
    assert not at.exception and not at.error


def test_an_answers_upload_that_is_not_utf8_names_the_file():
    at = _app()
    at.file_uploader(key="qn_upload").set_value(("latin.yaml", b"a: d\xe9j\xe0\n", "text/yaml"))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "latin.yaml: not UTF-8 text (byte 4: invalid continuation byte)"
    ]


# --- Images in documents ------------------------------------------------------------

IMAGES = (
    "See ![chart](http://tracker.example/pixel.png) and "
    '<img src="http://tracker.example/img.png"> and [a link](http://tracker.example/)'
)


def _unescaped(markdown: str) -> str:
    return markdown.replace("\\", "")


def _live_markdown(at: AppTest) -> list[str]:
    """Markdown elements that would show an image or a link, or carry raw HTML."""
    live = re.compile(r"(?<!\\)!\[|(?<!\\)\]\(|(?<!\\)<img")
    return [m.value for m in at.markdown if live.search(m.value)]


def test_images_in_a_document_are_never_live_markdown():
    at = _go(_app(), "documents")
    _upload(at, "evil.md", f"# Evil\n\n{IMAGES}\n".encode())
    preview = next(d for d in at.dataframe if "text" in d.value.columns).value
    # the link and image targets are kept beside the chunk, not in its text; the rest of
    # the document's text is shown as plain text, in a table
    assert "tracker.example" not in preview["text"][0] and "See chart" in preview["text"][0]
    source = SourceRef(1, "evil.md", None, 0, "Evil", IMAGES, 0.5, {"dense": 0.5})
    answer = Answer("What?", "It says so [1].", [source], {"total": 0.1}, "fake", "hybrid", [1])
    at.session_state["docs_last"] = answer
    at.session_state["rag_answers"] = [answer]
    at.run()
    assert any("tracker.example" in _unescaped(m.value) for m in at.markdown)  # shown
    assert _live_markdown(at) == []
    _go(at, "report")  # the Markdown report's preview, rendered on the page
    assert any("tracker.example" in _unescaped(m.value) for m in at.markdown)
    assert _live_markdown(at) == []
