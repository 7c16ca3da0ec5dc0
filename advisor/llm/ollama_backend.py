"""Generation by an Ollama server, over its documented HTTP API.

GET /api/tags lists models, POST /api/chat answers (`stream: false`: one JSON object).
Every request runs under one deadline, `timeout` seconds for the whole exchange
(llm/deadline.py): a server that is down, slow, trickles bytes, closes early or answers
with something other than Ollama's JSON is BackendUnavailable, which the fallback
answers, with a one-line note.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from advisor.llm import registry
from advisor.llm.base import (
    STOP_STRINGS,
    BackendUnavailable,
    ConcurrentRequests,
    Generation,
    Message,
)
from advisor.llm.deadline import DeadlinePassed, TooLarge, exchange

log = logging.getLogger(__name__)
_MAX_BODY = 4 * 1024 * 1024  # an answer of a few thousand tokens is far below this
DEFAULT_PORT = 11434


class OllamaOptions(registry.Options):
    """Where the server is, which model it serves, and how long to wait for an answer."""

    host: str  # from ADVISOR_OLLAMA_HOST
    model: str  # from ADVISOR_OLLAMA_MODEL
    timeout: float = Field(gt=0)  # seconds, from ADVISOR_OLLAMA_TIMEOUT: a deadline per answer
    concurrency: int = Field(4, ge=1, le=64)  # requests in flight, ADVISOR_OLLAMA_CONCURRENCY


def base_url(host: str) -> str:
    """`localhost`, `127.0.0.1:11434` or a full URL -> `http://host:port` (as Ollama reads it)."""
    url = host.strip().rstrip("/")
    url = url if "://" in url else f"http://{url}"
    parts = urlsplit(url)
    if parts.port is None and parts.scheme == "http":
        url = url.replace(parts.netloc, f"{parts.netloc}:{DEFAULT_PORT}", 1)
    return url


@registry.register("ollama")
class OllamaGenerator(ConcurrentRequests):
    """A model served by Ollama; when the server is down the embedded model answers."""

    description = "an Ollama server over HTTP; the embedded model answers when it is down"
    Options = OllamaOptions
    needs_server = True
    can_batch = False  # the server queues (or batches) concurrent requests itself

    @classmethod
    def from_options(cls, options: OllamaOptions, settings: Any) -> OllamaGenerator:
        """A client for the configured server; connects only when asked to generate."""
        return cls(options.host, options.model, options.timeout, options.concurrency)

    def __init__(self, host: str, model: str, timeout: float = 60.0, concurrency: int = 4) -> None:
        self.host, self.model, self.timeout = host, model, timeout
        self.concurrency = concurrency
        self.base = base_url(host)
        self.name = f"ollama:{model}"

    def available(self) -> bool:
        """Whether the server answers and has the model (a quick /api/tags call)."""
        try:
            data = self._call("GET", "/api/tags", None, min(self.timeout, 10.0))
            names = {m.get("model") or m.get("name") for m in data.get("models") or []}
        except (BackendUnavailable, AttributeError, TypeError):
            return False
        return self.model in names or f"{self.model}:latest" in names

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation:
        start = time.perf_counter()
        body = {
            "model": self.model,
            "messages": messages,
            "stream": False,
            "options": {
                "num_predict": max_new_tokens,
                "temperature": 0,
                "stop": list(STOP_STRINGS),
            },
        }
        data = self._call("POST", "/api/chat", body, self.timeout)
        message = data.get("message")
        text = message.get("content") if isinstance(message, dict) else None
        if not isinstance(text, str):
            raise BackendUnavailable(
                f"Ollama at {self.host} sent no answer (no message.content in its reply)"
            )
        seconds = time.perf_counter() - start
        count = data.get("eval_count")
        tokens = count if isinstance(count, int) and count > 0 else len(text.split())
        log.debug(
            "%s: %d tokens in %.2f s (%.1f tokens/s)",
            self.name,
            tokens,
            seconds,
            tokens / seconds if seconds > 0 else 0.0,
        )
        return Generation(text.strip(), self.name, tokens, seconds)

    def _call(self, method: str, path: str, body: Any, timeout: float) -> dict[str, Any]:
        """The reply's JSON object; every failure is one BackendUnavailable line."""
        import httpx

        try:
            status, raw = exchange(
                method, self.base + path, timeout=timeout, max_body=_MAX_BODY, json=body
            )
        except (DeadlinePassed, httpx.TimeoutException):
            raise BackendUnavailable(
                f"Ollama at {self.host} did not answer within {timeout:g} s"
            ) from None
        except TooLarge:
            raise BackendUnavailable(f"Ollama at {self.host}: the answer is over 4 MB") from None
        except httpx.ConnectError as exc:
            raise BackendUnavailable(f"no Ollama server at {self.host} ({exc})") from None
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"Ollama at {self.host} failed: {exc}") from None
        try:
            data = json.loads(raw)
        except ValueError:  # also bytes that are not UTF-8
            data = None
        if status != 200:
            detail = data.get("error") if isinstance(data, dict) else None
            detail = detail or raw[:200].decode("utf-8", "replace").strip() or "no reason given"
            raise BackendUnavailable(f"Ollama refused: {detail} (status {status})")
        if not isinstance(data, dict):
            shown = raw[:120].decode("utf-8", "replace")
            what = f"something that is not JSON: {shown!r}" if raw.strip() else "an empty reply"
            raise BackendUnavailable(f"Ollama at {self.host} sent {what}")
        return data
