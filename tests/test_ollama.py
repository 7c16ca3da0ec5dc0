"""Our Ollama client against the documented HTTP API served on loopback (no real Ollama
server can run here), including a server that is down and one that is too slow."""

import socket
import time

import pytest
from conftest import ROOT, FakeGenerator
from fake_ollama import FakeOllama

from advisor.llm.base import BackendUnavailable, FallbackGenerator
from advisor.llm.ollama_backend import OllamaGenerator, base_url
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

MESSAGES = [{"role": "user", "content": "How long is the refund window?"}]


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens once the socket is closed


def test_chat_through_the_documented_api():
    with FakeOllama() as server:
        gen = OllamaGenerator(server.url, "smollm2:135m", timeout=5)
        assert gen.available()
        out = gen.generate(MESSAGES, max_new_tokens=42)
    assert out.text == "The refund window is 45 days [1]."
    assert out.backend == "ollama:smollm2:135m" and out.tokens == 9
    sent = server.requests[0]
    assert sent["path"] == "/api/chat" and sent["messages"] == MESSAGES
    assert sent["stream"] is False and sent["options"]["num_predict"] == 42
    # the server stops where the answering path would cut the reply anyway
    assert sent["options"]["stop"] == ["\n\n", "Question:", "Context:"]


def test_a_missing_model_is_unavailable():
    with FakeOllama(models=["llama3:8b"]) as server:
        gen = OllamaGenerator(server.url, "smollm2:135m", timeout=5)
        assert not gen.available()
        with pytest.raises(BackendUnavailable, match="not found"):
            gen.generate(MESSAGES)


def test_server_down():
    gen = OllamaGenerator(_dead_url(), "smollm2:135m", timeout=5)
    assert not gen.available()
    with pytest.raises(BackendUnavailable, match="no Ollama server"):
        gen.generate(MESSAGES)


def test_timeout():
    with FakeOllama(delay=2.0) as server:
        gen = OllamaGenerator(server.url, "smollm2:135m", timeout=0.5)
        with pytest.raises(BackendUnavailable, match=r"did not answer within 0\.5 s"):
            gen.generate(MESSAGES)


def test_fallback_says_what_happened():
    fallback = FakeGenerator("from the embedded model")
    gen = FallbackGenerator(OllamaGenerator(_dead_url(), "smollm2:135m", timeout=2), fallback)
    out = gen.generate(MESSAGES)
    assert out.text == "from the embedded model" and out.backend == "fake"
    assert out.fallback_reason.startswith("ollama:smollm2:135m unavailable: no Ollama server")


def test_pipeline_answers_with_ollama_when_configured(tmp_path, embedder):
    with FakeOllama(reply="Priority 1 incidents get a response within 30 minutes [1].") as server:
        settings = Settings(
            data_dir=tmp_path, generator="ollama", ollama_host=server.url, ollama_timeout=5
        )
        p = RagPipeline(settings, "ollama-ws", embedder=embedder)
        p.ingest([ROOT / "demo_corpus" / "support_faq.html"])
        answer = p.ask("How fast is a response to a critical incident?")
    assert answer.backend == "ollama:smollm2:135m" and answer.fallback_reason is None
    assert answer.cited == [1] and not answer.citation_added
    prompt = server.requests[0]["messages"][-1]["content"]
    assert "\nContext:\n[1] " in prompt and "30 minutes" in prompt


# --- A server that misbehaves: one clear BackendUnavailable, never a hang --------------


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"", "sent an empty reply"),
        (b"<html>502 Bad Gateway</html>", "sent something that is not JSON: '<html>502"),
        (b'{"done": true}', "sent no answer"),
        (b"\xff\xfe\x00garbage", "not JSON"),
    ],
    ids=["empty", "html", "no-message", "binary"],
)
def test_a_200_reply_that_is_not_an_answer_is_unavailable(body, said):
    with FakeOllama(body=body) as server:
        gen = OllamaGenerator(server.url, "smollm2:135m", timeout=5)
        with pytest.raises(BackendUnavailable, match=said) as exc:
            gen.generate(MESSAGES)
        assert "\n" not in str(exc.value)
        # The app's path: the fallback answers and says why, on one line.
        fallback = FakeGenerator("from the embedded model")
        out = FallbackGenerator(gen, fallback).generate(MESSAGES)
    assert out.backend == "fake" and said.split(":")[0] in out.fallback_reason


def test_a_trickling_server_is_cut_off_at_the_deadline():
    # One byte every 0.1 s: no single read waits long, so a per-read timeout never fires;
    # the whole reply (headers included, 300-400 bytes) would take over 30 s. The message
    # alone does not show the cut-off (the deadline is also checked after a full read),
    # so each call must also return well before the reply could end: a bound that a busy
    # machine cannot break, unlike one close to the timeout.
    whole_reply = 30.0
    with FakeOllama(trickle=0.1) as server:
        gen = OllamaGenerator(server.url, "smollm2:135m", timeout=1.0)
        start = time.monotonic()
        with pytest.raises(BackendUnavailable) as exc:
            gen.generate(MESSAGES)
        assert time.monotonic() - start < whole_reply / 2
        assert str(exc.value) == f"Ollama at {server.url} did not answer within 1 s"
        # The app's path: the fallback answers and says the server timed out.
        start = time.monotonic()
        out = FallbackGenerator(gen, FakeGenerator("from the embedded model")).generate(MESSAGES)
        assert time.monotonic() - start < whole_reply / 2
        assert out.backend == "fake"
        assert out.fallback_reason == (
            f"ollama:smollm2:135m unavailable: Ollama at {server.url} did not answer within 1 s"
        )
        start = time.monotonic()
        assert not OllamaGenerator(server.url, "smollm2:135m", timeout=0.5).available()
        assert time.monotonic() - start < whole_reply / 2


def test_a_server_that_hangs_up_half_way_is_unavailable():
    with FakeOllama(close_early=True) as server:
        gen = OllamaGenerator(server.url, "smollm2:135m", timeout=5)
        with pytest.raises(BackendUnavailable, match="failed"):
            gen.generate(MESSAGES)


def test_hosts_as_ollama_reads_them():
    assert base_url("localhost") == "http://localhost:11434"
    assert base_url("127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert base_url("https://ollama.example") == "https://ollama.example"
