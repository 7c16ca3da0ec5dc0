"""Our OpenAI-compatible client against the documented chat-completions API served on
loopback (no vLLM or llama.cpp server runs here): the request, the key, a server that is
down, slow, trickling or broken, and the fallback through the registry."""

import logging
import socket
import time

import pytest
from fake_openai import FakeOpenAI

from advisor.llm.base import BackendUnavailable, FallbackGenerator
from advisor.llm.openai_backend import OpenAIGenerator
from advisor.llm.registry import make_generator
from advisor.settings import Settings

MESSAGES = [{"role": "user", "content": "How long is the refund window?"}]
SECRET = "sk-test-do-not-leak-1234"


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_chat_completions_request_and_answer(monkeypatch):
    monkeypatch.setenv("ADVISOR_OPENAI_API_KEY", SECRET)
    with FakeOpenAI() as server:
        gen = OpenAIGenerator(server.url, "served-model", timeout=5)
        assert gen.available()
        out = gen.generate(MESSAGES, max_new_tokens=42)
    assert out.text == "The refund window is 45 days [1]." and out.tokens == 9
    assert out.backend == "openai:served-model"
    sent = server.requests[0]
    assert sent["_path"] == "/v1/chat/completions" and sent["messages"] == MESSAGES
    assert sent["max_tokens"] == 42 and sent["temperature"] == 0 and sent["model"] == "served-model"
    assert sent["stop"] == ["\n\n", "Question:", "Context:"]  # the API takes up to 4
    assert sent["_auth"] == f"Bearer {SECRET}"


def test_no_key_no_header(monkeypatch):
    for v in ("ADVISOR_OPENAI_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(v, raising=False)
    with FakeOpenAI() as server:
        OpenAIGenerator(server.url, "m", timeout=5).generate(MESSAGES)
    assert server.requests[0]["_auth"] is None


def test_the_key_is_never_in_settings_names_or_logs(monkeypatch, caplog):
    monkeypatch.setenv("ADVISOR_OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("ADVISOR_GENERATOR", "openai")
    settings = Settings()
    assert SECRET not in settings.model_dump_json()
    with FakeOpenAI(status=401, body=b'{"error": "bad key"}') as server:
        gen = OpenAIGenerator(server.url, "m", timeout=5)
        with (
            caplog.at_level(logging.DEBUG, logger="advisor"),
            pytest.raises(BackendUnavailable) as exc,
        ):
            gen.generate(MESSAGES)
    assert "401" in str(exc.value) and SECRET not in str(exc.value)
    assert SECRET not in caplog.text and SECRET not in repr(gen.__dict__)


def test_server_down():
    gen = OpenAIGenerator(_dead_url(), "m", timeout=5)
    assert not gen.available()
    with pytest.raises(BackendUnavailable, match="no server at"):
        gen.generate(MESSAGES)


def test_a_trickling_server_cannot_hold_a_request_past_the_deadline():
    # 132 bytes, one every 0.25 s: each read is quick, the whole body takes 33 s. The
    # bound shows the request was cut off, with a margin a busy machine cannot break.
    whole_body = 132 * 0.25
    with FakeOpenAI(trickle=0.25) as server:
        gen = OpenAIGenerator(server.url, "m", timeout=1.0)
        start = time.monotonic()
        with pytest.raises(BackendUnavailable) as exc:
            gen.generate(MESSAGES)
        assert time.monotonic() - start < whole_body / 2
        assert str(exc.value) == f"the server at {server.url} did not answer within 1 s"


@pytest.mark.parametrize("body", [b"", b"<html>gateway</html>", b'{"choices": []}'])
def test_a_body_that_is_not_an_answer_is_one_clear_error(body):
    with FakeOpenAI(body=body) as server:
        gen = OpenAIGenerator(server.url, "m", timeout=5)
        with pytest.raises(BackendUnavailable, match="not an OpenAI chat-completions answer"):
            gen.generate(MESSAGES)


def test_the_registry_makes_it_with_a_fallback(monkeypatch, tmp_path):
    with FakeOpenAI() as server:
        monkeypatch.setenv("ADVISOR_OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("ADVISOR_OPENAI_MODEL", "served-model")
        gen = make_generator(Settings(generator="openai", data_dir=tmp_path))
        assert isinstance(gen, FallbackGenerator)
        assert gen.generate(MESSAGES).text.startswith("The refund window")
