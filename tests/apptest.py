"""Driving the whole app headless with AppTest: open a session, switch pages, find widgets.

Shared by every AppTest file. AppTest.switch_page only knows page files; our pages are
functions registered with st.navigation, so a page is opened by its url path, as the
sidebar link does.
"""

from __future__ import annotations

from conftest import ROOT
from streamlit.testing.v1 import AppTest


def open_app(url: dict | None = None, session: dict | None = None, timeout: int = 120) -> AppTest:
    """A new browser session: the app opened at this URL (query parameters) and state."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for k, v in (url or {}).items():
        at.query_params[k] = v
    for k, v in (session or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def go(at: AppTest, url_path: str) -> AppTest:
    """Open the page registered at `url_path` in this session."""
    pages = at._registered_pages
    at._page_hash = next(h for h, p in pages.items() if p.get("url_pathname") == url_path)
    at.run()
    assert not at.exception, at.exception
    return at


def by_key(widgets, key):
    return next(w for w in widgets if w.key == key)
