"""Debian's chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import shutil

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_executable() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:  # a failure, not a skip: `make test` installs it
        raise RuntimeError("chromium is not installed; `make test` installs it with apt-get")
    return path


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
