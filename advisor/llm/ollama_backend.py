"""Generation by an Ollama server through the official `ollama` client.

Ollama's API: GET /api/tags lists models, POST /api/chat answers. The client has no
timeout by default, so we always set one.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from pydantic import Field

from advisor.llm import registry
from advisor.llm.base import BackendUnavailable, Generation, Message

log = logging.getLogger(__name__)


class OllamaOptions(registry.Options):
    """Where the server is, which model it serves, and how long to wait for an answer."""

    host: str  # from ADVISOR_OLLAMA_HOST
    model: str  # from ADVISOR_OLLAMA_MODEL
    timeout: float = Field(gt=0)  # seconds, from ADVISOR_OLLAMA_TIMEOUT


@registry.register("ollama")
class OllamaGenerator:
    """A model served by Ollama; when the server is down the embedded model answers."""

    description = "an Ollama server over HTTP; the embedded model answers when it is down"
    Options = OllamaOptions
    needs_server = True
    can_batch = False  # the server queues requests itself

    @classmethod
    def from_options(cls, options: OllamaOptions, settings: Any) -> OllamaGenerator:
        """A client for the configured server; connects only when asked to generate."""
        return cls(options.host, options.model, options.timeout)

    def __init__(self, host: str, model: str, timeout: float = 60.0) -> None:
        import ollama

        self.host, self.model, self.timeout = host, model, timeout
        self.name = f"ollama:{model}"
        self.client = ollama.Client(host=host, timeout=timeout)

    def available(self) -> bool:
        """Whether the server answers and has the model (a quick /api/tags call)."""
        try:
            names = {m.model for m in self.client.list().models}
        except Exception:
            return False
        return self.model in names or f"{self.model}:latest" in names

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation:
        import httpx
        import ollama

        start = time.perf_counter()
        try:
            r = self.client.chat(
                model=self.model,
                messages=messages,
                stream=False,
                options={"num_predict": max_new_tokens, "temperature": 0},
            )
        except ConnectionError as exc:  # what the client raises when nothing listens
            raise BackendUnavailable(f"no Ollama server at {self.host} ({exc})") from None
        except httpx.TimeoutException:
            raise BackendUnavailable(
                f"Ollama at {self.host} did not answer within {self.timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"Ollama at {self.host} failed: {exc}") from None
        except ollama.ResponseError as exc:
            raise BackendUnavailable(
                f"Ollama refused: {exc.error} (status {exc.status_code})"
            ) from None
        seconds = time.perf_counter() - start
        tokens = r.eval_count or len(r.message.content.split())
        log.debug(
            "%s: %d tokens in %.2f s (%.1f tokens/s)",
            self.name,
            tokens,
            seconds,
            tokens / seconds if seconds > 0 else 0.0,
        )
        return Generation(r.message.content.strip(), self.name, tokens, seconds)
