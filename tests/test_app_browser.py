"""The app in a real browser: Debian's chromium driven by Playwright against a real
`streamlit run` on loopback. Screenshots of each page go to artifacts/ (git-ignored).

Every wait is on a condition (Playwright's `expect` and `wait_for_function`, a health
check, a process exit), each with a time limit; nothing sleeps for a fixed time. Every
request the page makes is recorded, and one that leaves 127.0.0.1 fails the test (the
app promises no network); so does a warning in the app's log. After each page's main
action the page is reloaded, and the work must still be there.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from browser import launch
from conftest import ROOT

ARTIFACTS = ROOT / "artifacts"
SECOND = 1000  # Playwright counts milliseconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str, proc: subprocess.Popen, log: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            pass
        try:  # wait for the process to die, briefly: a crash fails at once
            code = proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"streamlit exited with {code}: {log.read_text()[-2000:]}")
    proc.kill()
    pytest.fail(f"streamlit did not start in {limit} s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    # A data folder for the app process alone: its own Chroma (an embedded Chroma must not
    # be shared between processes); the model cache is the run's (ADVISOR_CACHE_DIR),
    # written once, atomically (advisor.cache).
    root = tmp_path_factory.mktemp("browser-app")
    env = {**os.environ, "ADVISOR_DATA_DIR": str(root / "data")}
    port = _free_port()
    log = root / "server.log"
    with log.open("w") as out:
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
                # No reloading: watching the repo (others edit it, screenshots land in it)
                # overflows inotify and rescans the tree, starving the app of CPU.
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    _healthy(url, proc, log)
    yield SimpleNamespace(url=url, log=log)
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


LOCAL = {"127.0.0.1"}
# Lines of the app's log that are not warnings about the app (the server's own banner).
_LOG_WARNING = ("WARNING", "Warning", "DeprecationWarning", "deprecated")


def _warnings(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if any(w in line for w in _LOG_WARNING)]


@pytest.fixture
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        requests: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(app_url.url)
        yield page
        browser.close()
    assert errors == []
    outside = [u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")
               and urlparse(u).hostname not in LOCAL]  # fmt: skip
    assert outside == [], outside[:5]  # nothing leaves this machine
    assert len(requests) > 10  # the recording saw the page's own requests
    assert _warnings(app_url.log) == []


def _reload(page) -> None:
    """A reload of the same link (the workspace id in its URL): a new session."""
    ws = page.evaluate("new URL(location.href).searchParams.get('ws')")
    page.reload()
    _idle(page)
    assert f"ws={ws}" in page.url


def _shot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main area, so the viewport is made
    as tall as the content for the picture, then set back."""
    ARTIFACTS.mkdir(exist_ok=True)
    height = page.evaluate(
        "document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight"
    )
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 200, 12000)})
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})


def _nav(page, name: str) -> None:
    page.get_by_role("link", name=name).click()


def _idle(page, timeout: float = 60 * SECOND) -> None:
    """Wait until the app has finished its rerun: input typed while a rerun is still
    rendering can be dropped by the browser (the widget is replaced under the cursor)."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=timeout)


def _enter(page, field, text: str, taken) -> None:
    """Type into a form's text field and press Enter; again if the app shows no sign of
    having taken it (``taken``: its spinner or its answer). A rerun that starts just after
    ``_idle`` can swallow the key, and a test that then waits minutes for an answer fails
    for the harness, not for the app."""
    from playwright.sync_api import expect

    for _ in range(3):
        _idle(page)
        field.fill(text)
        field.press("Enter")
        try:
            expect(taken.first).to_be_visible(timeout=20 * SECOND)
            return
        except AssertionError:
            continue
    raise AssertionError(f"the app never took {text!r} from its field")


def _not_cut(locator) -> bool:
    """Whether an element shows its whole text (no ellipsis, no clipped overflow)."""
    return locator.evaluate("e => e.scrollWidth <= e.clientWidth + 1")


def test_questionnaire_costs_and_report(page):
    from playwright.sync_api import expect

    verdict = page.locator(".st-key-qn_verdict h2")
    expect(verdict).to_have_text("Prompt engineering first", timeout=30 * SECOND)
    assert _not_cut(verdict)
    # Nothing answered: a starting point in words, no "100%" share and no "0 rules".
    expect(page.get_by_text("A starting point, not a verdict yet")).to_be_visible()
    expect(page.get_by_test_id("stProgress")).to_have_count(0)
    expect(page.get_by_text("Why: 0 rules")).to_have_count(0)
    # Nothing is pre-answered: the number boxes are empty and say what costs assume.
    latency = page.get_by_role(
        "spinbutton", name="What is the latency budget for the model's answer, end to end?"
    )
    expect(latency).to_have_value("")
    expect(latency).to_have_attribute("placeholder", "Not answered (assumed 3,000 ms for costs)")
    page.locator(".st-key-qn_needs_external_data").click()
    page.get_by_role("option", name="yes", exact=True).click()
    expect(verdict).to_have_text("RAG", timeout=15 * SECOND)
    bars = page.get_by_test_id("stProgress")
    expect(bars).to_have_count(4)
    assert any(t.startswith("Hybrid (fine-tuning + RAG): ") for t in bars.all_inner_texts())
    expect(page.get_by_text("How often does that knowledge change?", exact=True)).to_be_visible()
    # Every feasibility question is still unanswered: nothing is held against fine-tuning
    # for what the user did not say, and nothing is ruled out.
    main = page.locator(".st-key-qn_panel")
    expect(main).to_contain_text("Based on 1 answer given")
    for penalty in ("labelled pairs", "training budget", "closed API", "training experience",
                    "Ruled out"):  # fmt: skip
        expect(main).not_to_contain_text(penalty)
    expect(page.get_by_text("RAG vs Fine-Tuning: When to Use Each").first).to_be_attached()
    _shot(page, "1-questionnaire")
    _reload(page)  # the answer is the workspace's: the verdict comes back with it
    expect(verdict).to_have_text("RAG", timeout=30 * SECOND)
    expect(page.locator(".st-key-qn_panel")).to_contain_text("Based on 1 answer given")

    _nav(page, "Costs")
    horizon = page.get_by_role("spinbutton", name="Horizon (months)")
    _idle(page)
    horizon.fill("36")
    horizon.press("Enter")  # the chart's title below says whether it was taken
    title = page.locator(".js-plotly-plot .gtitle", has_text="Cumulative cost over 36 months")
    expect(title).to_be_visible(timeout=30 * SECOND)
    expect(page.get_by_text("Large API model: input").first).to_be_attached()
    page.get_by_text("Prices (click a value to edit)").click()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    # every legend entry of every chart is drawn, none hidden behind a legend scroll
    for legend in page.locator(".js-plotly-plot .legend").all():
        assert (
            legend.locator(".scrollbar").count() == 0
            or not legend.locator(".scrollbar").first.is_visible()
        )
    _shot(page, "2-costs")
    _reload(page)  # the edited horizon is the workspace's, not the widget's
    expect(page.get_by_role("spinbutton", name="Horizon (months)")).to_have_value(
        "36", timeout=30 * SECOND
    )

    _nav(page, "Report")
    preview = page.locator(".st-key-rep_preview")
    expect(preview.get_by_text("Costs over 36 months")).to_be_visible(timeout=60 * SECOND)
    expect(page.get_by_role("button", name="Download .json")).to_be_visible()
    _shot(page, "5-report")
    # The report downloaded after a reload matches the pages: the answer and the horizon.
    _reload(page)
    expect(preview.get_by_text("Costs over 36 months")).to_be_visible(timeout=60 * SECOND)
    with page.expect_download() as got:
        page.get_by_role("button", name="Download .json").click()
    import json

    saved = json.loads(Path(got.value.path()).read_text())
    assert saved["recommendation"]["label"] == "RAG"
    assert saved["costs"]["horizon_months"] == 36
    # the workspace id is in the page's URL, shown in the sidebar
    ws = page.evaluate("new URL(location.href).searchParams.get('ws')")
    assert ws and len(ws) == 32, page.url
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"Workspace {ws}")


def test_documents_then_fine_tune_and_ask_the_adapter(page, tmp_path):
    from playwright.sync_api import expect

    good = ROOT / "demo_corpus" / "sop_incident_response.md"
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    _nav(page, "Your documents (RAG)")
    # the documents page's own uploader, not the first one on screen: right after the click
    # the questionnaire's single-file "Load answers" input can still be there
    page.locator(".st-key-docs_upload input[type=file]").set_input_files([str(good), str(bad)])
    page.get_by_role("button", name="Ingest uploaded files").click()
    expect(page.get_by_text("empty.txt: file is empty")).to_be_visible(timeout=60 * SECOND)
    expect(page.get_by_text("1 document, 3 chunks")).to_be_visible(timeout=30 * SECOND)

    # Enter asks (a form): no click on the button.
    box = page.locator(".st-key-docs_answer_box")
    question = page.get_by_label("Question")
    answering = page.get_by_text("Answering (the first answer")
    _enter(
        page,
        question,
        "Who is the safety officer?",
        answering.or_(page.get_by_text("Answered by")),
    )
    expect(page.get_by_text("Answered by")).to_be_visible(timeout=180 * SECOND)
    expect(box).to_contain_text("Who is the safety officer?")
    assert "[" in box.inner_text()  # an answer, with a citation
    expect(page.get_by_text("cosine similarity").first).to_be_visible()
    # A new question replaces the old answer (the spinner in between can be too quick to
    # see once the model is loaded, so the test waits on the outcome, not on the spinner).
    first = box.inner_text()
    _enter(
        page,
        question,
        "How fast must a severity 1 incident be acknowledged?",
        answering.or_(box.get_by_text("severity 1")),
    )
    expect(box).to_contain_text("severity 1", timeout=180 * SECOND)
    expect(box).not_to_contain_text("Who is the safety officer?")
    assert first not in box.all_inner_texts()
    _shot(page, "3-documents")
    _reload(page)  # the documents and the last question asked are the workspace's
    expect(page.get_by_text("1 document, 3 chunks")).to_be_visible(timeout=60 * SECOND)
    expect(box).to_contain_text("severity 1", timeout=30 * SECOND)

    page.get_by_role("button", name="Forget it...").click()
    confirm = page.locator(".st-key-docs_confirm_box")
    expect(confirm).to_contain_text("Forget sop_incident_response.md?")
    confirm.get_by_role("button", name="Yes, forget it").click()
    expect(page.get_by_text("Forgot sop_incident_response.md (3 chunks)")).to_be_visible(
        timeout=30 * SECOND
    )
    expect(page.get_by_text("No documents yet")).to_be_visible()
    _shot(page, "3b-documents-forgotten")

    _nav(page, "Fine-tune (LoRA)")
    expect(page.get_by_text("No facts with short answers yet")).to_be_visible(timeout=60 * SECOND)
    _shot(page, "4a-finetune-empty")

    _nav(page, "Your documents (RAG)")
    page.get_by_role("button", name="Use the demo corpus").click()
    expect(page.get_by_text("18 documents")).to_be_visible(timeout=180 * SECOND)
    _nav(page, "Fine-tune (LoRA)")
    expect(page.get_by_text("(golden,")).to_be_visible(timeout=60 * SECOND)
    # The quick preset: a few steps exercise the page whatever this machine's speed.
    page.get_by_text("Quick check:").click()
    expect(page.get_by_role("spinbutton", name="Epochs")).to_be_disabled()
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled()
    train.click()
    expect(train).to_be_disabled(timeout=10 * SECOND)  # while the run goes on
    # When the run ends the page shows the adapter by itself: no click needed.
    ask = page.get_by_role("heading", name="Ask the adapter")
    expect(ask).to_be_visible(timeout=540 * SECOND)
    expect(page.get_by_text("Quick check complete")).to_be_visible()
    expect(train).to_be_enabled()
    chart = page.locator(".st-key-ft_loss, [data-testid='stPlotlyChart']").first
    expect(chart.get_by_text("Training step")).to_be_attached()
    expect(chart.get_by_text("validation loss")).to_be_attached()
    q = page.get_by_label("Question")
    _enter(
        page,
        q,
        "Who is the safety officer?",
        page.get_by_text("Answering without and with retrieval").or_(
            page.locator(".st-key-ft_answer_lora_rag").get_by_text("sources:")
        ),
    )
    without = page.locator(".st-key-ft_answer_lora")
    with_rag = page.locator(".st-key-ft_answer_lora_rag")
    expect(with_rag).to_contain_text("sources:", timeout=240 * SECOND)
    expect(without).to_contain_text("no retrieval")
    left, right = without.bounding_box(), with_rag.bounding_box()
    assert left["x"] + left["width"] <= right["x"] + 1  # side by side
    _shot(page, "4-finetune")
    _reload(page)  # the run is the workspace's: its adapter is offered again
    expect(page.get_by_text("Last run in this workspace: adapter run-")).to_be_visible(
        timeout=60 * SECOND
    )
    expect(page.get_by_role("heading", name="Ask the adapter")).to_be_visible()

    _nav(page, "Report")
    preview = page.locator(".st-key-rep_preview")
    expect(preview.get_by_text("Training loss").first).to_be_visible(timeout=60 * SECOND)
    expect(page.get_by_text("LoRA run: adapter run-")).to_be_visible()
    _shot(page, "5b-report-with-demos")

    # A question file's questions are counted before anything runs.
    questions = tmp_path / "two.yaml"
    questions.write_text(
        "questions:\n"
        "  - {id: q09, question: 'What does error code E-217 mean?', "
        "answer: propeller imbalance, documents: [support_faq.html]}\n"
        "  - {id: q14, question: 'What is the API rate limit of the fleet software?', "
        "answer: 600 requests per minute, documents: [product_hivemind.md]}\n",
        encoding="utf-8",
    )
    _nav(page, "Compare side by side")
    expect(page.get_by_text("Workspace documents: 18")).to_be_visible(timeout=60 * SECOND)
    page.get_by_text("Upload a question file").click()
    page.locator(".st-key-cmp_upload input[type=file]").set_input_files(str(questions))
    expect(page.get_by_text("2 questions (2 with a reference answer) × 4 arms = 8 answers")
           ).to_be_visible(timeout=30 * SECOND)  # fmt: skip
    # The comparison: the first 6 of the demo's golden questions, through all four arms,
    # with what it will be and how long it will take said before it starts.
    page.get_by_text("Demo golden set").click()
    from advisor.questionsets.files import load_question_file

    n = len(load_question_file(ROOT / "demo_corpus" / "golden.yaml").questions)
    first = page.get_by_role("spinbutton", name=f"Questions to run (the first N of {n})")
    expect(first).to_be_visible(timeout=30 * SECOND)
    _idle(page)
    first.fill("6")
    first.press("Enter")
    plan = page.get_by_text("6 questions (6 with a reference answer) × 4 arms = 24 answers")
    expect(plan).to_be_visible(timeout=30 * SECOND)
    expect(plan).to_contain_text("Estimated time: about ")
    run = page.get_by_role("button", name="Run the comparison")
    run.click()
    # The results appear by themselves when the background run ends.
    grid = page.get_by_role("button", name="Download the grid (CSV)")
    expect(grid).to_be_visible(timeout=420 * SECOND)
    # a winner only when the paired interval excludes zero; else the arms not told apart
    heading = (
        page.get_by_role("heading", name="Most correct")
        .or_(page.get_by_role("heading", name="could not be told apart"))
        .or_(page.get_by_role("heading", name="No arm answered a question correctly"))
    )
    expect(heading).to_be_visible()
    from advisor.compare.arms import REGISTRY

    for arm in REGISTRY.values():
        metric = page.get_by_test_id("stMetricLabel").get_by_text(arm.short, exact=True)
        expect(metric).to_be_visible()
        assert _not_cut(metric)
    expect(page.locator(".js-plotly-plot").first).to_be_attached()  # the two charts
    expect(page.get_by_text("Reference: 45 days")).to_be_visible()
    effect = page.locator(".st-key-cmp_effect")
    expect(effect).to_contain_text("On the verdict:")
    expect(effect).to_contain_text("Moves")
    expect(page.get_by_text("correct: the answer holds the reference's key facts")).to_be_visible()
    _shot(page, "6-compare")
    _reload(page)  # the comparison is the workspace's
    expect(page.get_by_role("button", name="Download the grid (CSV)")).to_be_visible(
        timeout=60 * SECOND
    )
    effect.get_by_role("link", name="See the verdict, with the measured rules").click()
    measured = page.locator(".st-key-qn_measured")
    expect(measured).to_contain_text("Measured on your documents", timeout=30 * SECOND)
    expect(measured).to_contain_text("6 questions, base, rag, lora, lora_rag")
    _nav(page, "Compare side by side")
    expect(grid).to_be_visible(timeout=60 * SECOND)

    # What goes stale: the demo's new versions replace four documents, and the golden
    # questions whose answer changed go through every arm before and after.
    page.get_by_role("button", name="Apply the demo's updates (4 documents)").click()
    stale = page.get_by_role("heading", name="Before and after the update")
    expect(stale).to_be_visible(timeout=600 * SECOND)
    labels = page.get_by_test_id("stMetricLabel")
    expect(labels.get_by_text("First correct answer · rag", exact=True)).to_be_visible()
    expect(labels.get_by_text("Stale, of what it knew · lora", exact=True)).to_be_visible()
    expect(labels.get_by_text("Retrain wall time (this machine)", exact=True)).to_be_visible()
    expect(page.locator(".st-key-chg_look_update")).to_be_visible()  # the page's last part
    _shot(page, "7-stale")

    # What a fine-tune cannot forget: forget a document the run's questions cite.
    page.get_by_role("button", name="Forget it and re-ask...").click()
    confirm = page.locator(".st-key-chg_confirm_box")
    expect(confirm).to_contain_text("Forget refund_policy.md?")
    confirm.get_by_role("button", name="Yes, forget and re-ask").click()
    gone = page.get_by_role("heading", name="Before and after the forget")
    expect(gone).to_be_visible(timeout=600 * SECOND)
    expect(labels.get_by_text("Leaked, of what it knew · lora", exact=True)).to_be_visible()
    expect(labels.get_by_text("Chunks still retrieved · rag", exact=True)).to_be_visible()
    expect(page.get_by_text("takes a retrain without the document")).to_be_visible()
    expect(page.locator(".st-key-chg_look_forget")).to_be_visible()
    picks = page.get_by_test_id("stSelectbox").filter(has_text="Document to forget")
    expect(picks).to_have_count(1)  # the run is over: no stale copy of the controls
    _shot(page, "8-forget")

    # The report after a reload is built from the workspace's one state: it names the
    # adapter it describes and the comparison it read.
    _reload(page)
    _nav(page, "Report")
    summary = page.get_by_text("LoRA run: adapter run-")
    expect(summary).to_be_visible(timeout=60 * SECOND)
    expect(summary).to_contain_text("comparison 2")  # its id, as `advisor compare runs` lists it
    preview = page.locator(".st-key-rep_preview")
    expect(preview.get_by_text("Side by side on your documents")).to_be_visible()
    expect(preview.get_by_text("After forgetting refund_policy.md")).to_be_visible()
