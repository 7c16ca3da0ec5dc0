"""The Generator protocol, what every backend returns, and helpers over any backend."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from advisor.errors import AdvisorError

log = logging.getLogger(__name__)

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


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
        """The whole list from one backend: a server that fails once is not asked again."""
        try:
            return generate_many(self.primary, messages_list, max_new_tokens)
        except BackendUnavailable as exc:
            reason = self._reason(exc)
            out = generate_many(self.fallback, messages_list, max_new_tokens)
            return [Generation(g.text, g.backend, g.tokens, g.seconds, reason) for g in out]
