"""The scale-out path: a real `chroma run` server on loopback, reached over HTTP."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from advisor.errors import AdvisorError
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with code {proc.returncode} before serving")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("chroma run did not start within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the server, and kill it if it has not gone within 20 s."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


def test_ingest_and_query_through_a_chroma_server(chroma_server, tmp_path, embedder):
    settings = Settings(data_dir=tmp_path, chroma_url=chroma_server)
    writer = RagPipeline(settings, "shared", embedder=embedder)
    results = writer.ingest(
        [ROOT / "demo_corpus" / "support_faq.html", ROOT / "demo_corpus" / "sla.md"]
    )
    assert [r.status for r in results] == ["added", "added"]
    assert not (tmp_path / "chroma").exists()  # nothing went to the embedded store
    # A second client (as another process would) sees the same index.
    reader = RagPipeline(settings, "shared", embedder=embedder)
    hits = reader.ask("What does error code E-305 mean?", generate=False).sources
    assert hits[0].document == "support_faq.html" and "E-305" in hits[0].text
    assert reader.forget("sla.md") == 3
    assert list(writer.documents()) == ["support_faq.html"]


def test_a_server_that_is_down_gives_one_clear_error(tmp_path, embedder):
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(AdvisorError, match=f"Chroma server at {url} is not reachable"):
        RagPipeline(Settings(data_dir=tmp_path, chroma_url=url), "x-ws", embedder=embedder)
