"""The Generator protocol and what every backend returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from advisor.errors import AdvisorError

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


@dataclass(frozen=True)
class Generation:
    text: str
    backend: str  # e.g. "embedded:SmolLM2-135M-Instruct" or "ollama:smollm2:135m"
    tokens: int
    seconds: float
    fallback_reason: str | None = None  # set when the configured backend was down

    @property
    def tokens_per_second(self) -> float:
        return self.tokens / self.seconds if self.seconds > 0 else 0.0


class BackendUnavailable(AdvisorError):
    """The backend cannot answer now (server down, timed out, model missing)."""


class Generator(Protocol):
    name: str

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation: ...


class FallbackGenerator:
    """Use `primary`; when it is unavailable, answer with `fallback` and say why."""

    def __init__(self, primary: Generator, fallback: Generator) -> None:
        self.primary, self.fallback = primary, fallback
        self.name = primary.name

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation:
        try:
            return self.primary.generate(messages, max_new_tokens)
        except BackendUnavailable as exc:
            g = self.fallback.generate(messages, max_new_tokens)
            return Generation(
                g.text, g.backend, g.tokens, g.seconds, f"{self.primary.name} unavailable: {exc}"
            )
