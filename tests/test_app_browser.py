"""The app in a real browser: Debian's chromium driven by Playwright against a real
`streamlit run` on loopback. Screenshots of each page go to artifacts/ (git-ignored)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from browser import launch
from conftest import ROOT

ARTIFACTS = ROOT / "artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(model_dir, tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "ADVISOR_DATA_DIR": str(model_dir)}
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start: {log.read_text()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_questionnaire_to_verdict_then_upload_and_a_cited_answer(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    good = ROOT / "demo_corpus" / "sop_incident_response.md"
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(app_url)
        verdict = page.get_by_test_id("stMetricValue").first
        expect(verdict).to_have_text("Prompt engineering first", timeout=30_000)
        page.get_by_text(
            "Does the application need external, private, or frequently changing data?"
        ).click()
        expect(verdict).to_have_text("RAG", timeout=15_000)
        expect(page.get_by_text("How often does that knowledge change?")).to_be_visible()
        _shot(page, "1-questionnaire")

        page.get_by_role("link", name="Costs").click()
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
        _shot(page, "2-costs")

        page.get_by_role("link", name="Your documents (RAG)").click()
        page.locator("input[type=file]").first.set_input_files([str(good), str(bad)])
        page.get_by_role("button", name="Ingest uploaded files").click()
        expect(page.get_by_text("empty.txt: file is empty")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("1 documents, 3 chunks")).to_be_visible(timeout=30_000)
        question = page.get_by_label("Question")
        question.fill("Who is the safety officer?")
        question.press("Enter")
        page.get_by_role("button", name="Answer", exact=True).click()
        expect(page.get_by_text("Answered by")).to_be_visible(timeout=120_000)
        _shot(page, "3-documents")
        expect(page.get_by_text("[1] sop_incident_response.md")).to_be_visible()
        cited = page.locator(".st-key-docs_answer_box").inner_text()
        assert cited.strip() and "[" in cited, cited  # an answer, with a citation

        page.get_by_role("link", name="Fine-tune (LoRA)").click()
        # One short document gives too few pairs to split: the page says so plainly.
        expect(page.get_by_text("at least 10 are needed")).to_be_visible(timeout=60_000)
        _shot(page, "4-finetune")
        page.get_by_role("link", name="Report").click()
        expect(page.get_by_role("button", name="Download .json")).to_be_visible(timeout=60_000)
        _shot(page, "5-report")
        browser.close()
    assert errors == []
