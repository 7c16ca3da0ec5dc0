"""The Generator protocol, what every backend returns, and helpers over any backend."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from advisor.errors import AdvisorError

log = logging.getLogger(__name__)

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}

# Where a small model has finished its answer and starts something else: a blank line, or
# a "Question:" / "Context:" of its own (it continues the prompt's pattern and asks itself
# the next question). The ONNX engine stops decoding there, and Ollama and OpenAI-compatible
# servers are asked to; the answering path cuts every reply there too
# (advisor.rag.prompt.first_answer), so what a user sees does not depend on the backend.
STOP_STRINGS = ("\n\n", "Question:", "Context:")
_FRAME_ONLY = re.compile(r"\[\d+\]|\b(?:the|answer|is|question|context)\b|[^\w]", re.IGNORECASE)


def answer_started(text: str) -> bool:
    """Whether `text` holds more than a frame ("The answer is:", a bare "[1]"): a stop
    string before that is not the end of the answer, only of its preamble."""
    return bool(_FRAME_ONLY.sub("", text))


@dataclass(frozen=True)
class Generation:
    text: str
    backend: str  # e.g. "embedded:SmolLM2-135M-Instruct" or "ollama:smollm2:135m"
    tokens: int
    seconds: float  # in a batch: the batch's wall time divided by its size
    fallback_reason: str | None = None  # set when the configured backend was down

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


class BackendUnavailable(AdvisorError):
    """The backend cannot answer now (server down, timed out, model missing)."""


class Generator(Protocol):
    name: str

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation: ...


class BatchGenerator(Protocol):
    """A generator that answers several prompts in one forward pass per step."""

    name: str

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation: ...

    def generate_batch(
        self, messages_list: list[list[Message]], max_new_tokens: int = 160
    ) -> list[Generation]: ...


def generate_many(
    generator: Generator, messages_list: list[list[Message]], max_new_tokens: int = 160
) -> list[Generation]:
    """Answers in input order: batched when the generator can, else one at a time."""
    batch = getattr(generator, "generate_batch", None)  # Ollama and test fakes have none
    if callable(batch):
        return batch(messages_list, max_new_tokens)
    return [generator.generate(m, max_new_tokens) for m in messages_list]


def concurrently(
    generate: Callable[[list[Message], int], Generation],
    messages_list: list[list[Message]],
    max_new_tokens: int,
    limit: int,
) -> list[Generation | BackendUnavailable]:
    """Each prompt through `generate` (one request to a server, under its own deadline),
    at most `limit` in flight at once; the results in input order, a failure as its
    BackendUnavailable. A server that failed is not asked again: the prompts not yet sent
    when one fails get that failure too (those in flight finish and are kept)."""
    from concurrent.futures import ThreadPoolExecutor

    first: list[BackendUnavailable] = []
    lock = threading.Lock()

    def one(messages: list[Message]) -> Generation | BackendUnavailable:
        with lock:
            if first:
                return first[0]
        try:
            return generate(messages, max_new_tokens)
        except BackendUnavailable as exc:
            with lock:
                first.append(exc)
            return exc

    started = time.perf_counter()
    if limit <= 1 or len(messages_list) <= 1:
        results = [one(m) for m in messages_list]
    else:
        with ThreadPoolExecutor(max_workers=min(limit, len(messages_list))) as pool:
            results = list(pool.map(one, messages_list))
    # as in any batch, each answer's seconds are the batch's wall time over its size
    share = (time.perf_counter() - started) / max(1, len(messages_list))
    return [r if isinstance(r, BackendUnavailable) else replace(r, seconds=share) for r in results]


def raise_first(results: list[Generation | BackendUnavailable]) -> list[Generation]:
    """The generations, or the first failure raised (for callers without a fallback)."""
    for r in results:
        if isinstance(r, BackendUnavailable):
            raise r
    return results  # type: ignore[return-value]


class ConcurrentRequests:
    """For a server backend: several prompts as `concurrency` requests in flight, each
    through its own `generate` (its own deadline), in input order."""

    concurrency: int = 1

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation:
        raise NotImplementedError

    def generate_each(
        self, messages_list: list[list[Message]], max_new_tokens: int = 160
    ) -> list[Generation | BackendUnavailable]:
        """Each answer, or its failure as a BackendUnavailable (see `concurrently`)."""
        return concurrently(self.generate, messages_list, max_new_tokens, self.concurrency)

    def generate_batch(
        self, messages_list: list[list[Message]], max_new_tokens: int = 160
    ) -> list[Generation]:
        return raise_first(self.generate_each(messages_list, max_new_tokens))


class FallbackGenerator:
    """Use `primary`; when it is unavailable, answer with `fallback` and say why."""

    def __init__(self, primary: Generator, fallback: Generator) -> None:
        self.primary, self.fallback = primary, fallback
        self.name = primary.name

    def _reason(self, exc: BackendUnavailable) -> str:
        reason = f"{self.primary.name} unavailable: {exc}"
        log.warning("falling back to %s: %s", self.fallback.name, reason)
        return reason

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation:
        try:
            return self.primary.generate(messages, max_new_tokens)
        except BackendUnavailable as exc:
            reason = self._reason(exc)
            g = self.fallback.generate(messages, max_new_tokens)
            return Generation(g.text, g.backend, g.tokens, g.seconds, reason)

    def generate_batch(
        self, messages_list: list[list[Message]], max_new_tokens: int = 160
    ) -> list[Generation]:
        """A server that fails once is not asked again: with a server backend that sends
        several requests at once (`generate_each`), the answers it gave are kept and the
        fallback answers the rest; otherwise the whole list comes from one backend."""
        each = getattr(self.primary, "generate_each", None)
        if not callable(each):
            try:
                return generate_many(self.primary, messages_list, max_new_tokens)
            except BackendUnavailable as exc:
                reason = self._reason(exc)
                out = generate_many(self.fallback, messages_list, max_new_tokens)
                return [Generation(g.text, g.backend, g.tokens, g.seconds, reason) for g in out]
        results = each(messages_list, max_new_tokens)
        failed = [i for i, r in enumerate(results) if isinstance(r, BackendUnavailable)]
        if failed:
            reason = self._reason(results[failed[0]])
            again = generate_many(self.fallback, [messages_list[i] for i in failed], max_new_tokens)
            for i, g in zip(failed, again, strict=True):
                results[i] = Generation(g.text, g.backend, g.tokens, g.seconds, reason)
        return results  # type: ignore[return-value]
