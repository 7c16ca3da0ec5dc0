"""Several requests at once to a serving engine (Ollama, OpenAI-compatible), against the
documented HTTP APIs served on loopback (no real server can run here): at most N in
flight, each under its own deadline, answers in question order, and a server that fails
some requests loses no answer (the fallback answers those)."""

from __future__ import annotations

import pytest
from fake_ollama import FakeOllama
from fake_openai import FakeOpenAI

from advisor.llm.base import BackendUnavailable, FallbackGenerator, Generation, generate_many
from advisor.llm.ollama_backend import OllamaGenerator
from advisor.llm.openai_backend import OpenAIGenerator
from advisor.llm.registry import create
from advisor.settings import Settings

PROMPTS = [[{"role": "user", "content": f"question {i}"}] for i in range(12)]


class Local:
    """The fallback: answers at once, and says it did."""

    name = "embedded:fake"

    def generate(self, messages, max_new_tokens=160):
        return Generation(f"local: {messages[-1]['content']}", self.name, 2, 0.01)


def _openai(fake, n):
    return OpenAIGenerator(fake.url, "served-model", timeout=10, concurrency=n)


def _ollama(fake, n):
    return OllamaGenerator(fake.url, "smollm2:135m", timeout=10, concurrency=n)


@pytest.mark.parametrize(("fake_cls", "make"), [(FakeOpenAI, _openai), (FakeOllama, _ollama)])
def test_up_to_n_requests_in_flight_and_answers_in_question_order(fake_cls, make):
    kwargs = (
        {"answer": "about {question}"} if fake_cls is FakeOpenAI else {"reply": "about {question}"}
    )
    with fake_cls(delay=0.5, **kwargs) as fake:  # long enough for all 4 to overlap
        out = generate_many(make(fake, 4), PROMPTS, 16)
        assert fake.peak == 4  # never more, and really at once
    assert [g.text for g in out] == [f"about question {i}" for i in range(12)]
    with fake_cls(delay=0.05, **kwargs) as fake:
        generate_many(make(fake, 1), PROMPTS[:4], 16)
        assert fake.peak == 1  # one at a time when asked for one


@pytest.mark.parametrize(("fake_cls", "make"), [(FakeOpenAI, _openai), (FakeOllama, _ollama)])
def test_a_server_failing_one_request_in_three_loses_no_answer(fake_cls, make):
    kwargs = (
        {"answer": "about {question}"} if fake_cls is FakeOpenAI else {"reply": "about {question}"}
    )
    with fake_cls(delay=0.05, fail_every=3, **kwargs) as fake:
        out = FallbackGenerator(make(fake, 4), Local()).generate_batch(PROMPTS, 16)
    assert len(out) == len(PROMPTS)
    for i, g in enumerate(out):  # each answer is its own question's, from one backend
        assert g.text in (f"about question {i}", f"local: question {i}")
        assert (g.fallback_reason is None) == g.text.startswith("about")
    served = [g for g in out if g.fallback_reason is None]
    assert served and len(served) < len(out)  # the server's answers are kept, not thrown away
    assert all("unavailable" in g.fallback_reason for g in out if g.fallback_reason)


def test_without_a_fallback_the_first_failure_is_raised():
    with FakeOpenAI(fail_every=2) as fake, pytest.raises(BackendUnavailable, match="503"):
        generate_many(_openai(fake, 4), PROMPTS[:4], 16)


def test_the_concurrency_is_a_setting(monkeypatch):
    with FakeOpenAI(delay=0.4) as fake:
        s = Settings(openai_base_url=fake.url, openai_model="served-model", openai_concurrency=2)
        gen = create("openai", s)
        assert gen.concurrency == 2
        generate_many(gen, PROMPTS[:6], 16)
        assert fake.peak == 2
    monkeypatch.setenv("ADVISOR_OLLAMA_CONCURRENCY", "3")
    assert create("ollama", Settings()).concurrency == 3
    with pytest.raises(ValueError):
        Settings(openai_concurrency=0)
