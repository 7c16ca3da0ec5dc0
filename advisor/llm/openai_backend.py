"""Generation by any server that speaks the OpenAI chat-completions API: vLLM,
llama.cpp's server, LM Studio, hosted APIs.

POST {base_url}/chat/completions with `model`, `messages`, `max_tokens`, `temperature`
0 and `stop` (advisor.llm.base.STOP_STRINGS); the answer is `choices[0].message.content`, the tokens `usage.completion_tokens`.
The API key is read from the environment (ADVISOR_OPENAI_API_KEY, else OPENAI_API_KEY)
when a request is made, and is kept nowhere else: not in settings, options, run files,
reports or logs. `timeout` is a deadline for the whole answer, not per read, so a server
that trickles bytes cannot hold a request past it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from pydantic import Field

from advisor.llm import registry
from advisor.llm.base import (
    STOP_STRINGS,
    BackendUnavailable,
    ConcurrentRequests,
    Generation,
    Message,
)
from advisor.llm.deadline import tls

log = logging.getLogger(__name__)
KEY_VARIABLES = ("ADVISOR_OPENAI_API_KEY", "OPENAI_API_KEY")
_MAX_BODY = 4 * 1024 * 1024  # an answer of a few thousand tokens is far below this


class OpenAIOptions(registry.Options):
    """The server's base URL (…/v1), the model it serves, the deadline per answer."""

    base_url: str  # from ADVISOR_OPENAI_BASE_URL
    model: str  # from ADVISOR_OPENAI_MODEL
    timeout: float = Field(gt=0)  # seconds, from ADVISOR_OPENAI_TIMEOUT
    concurrency: int = Field(4, ge=1, le=64)  # requests in flight, ADVISOR_OPENAI_CONCURRENCY


def api_key() -> str | None:
    """The key from the environment, or None (local servers need none)."""
    return next((os.environ[v] for v in KEY_VARIABLES if os.environ.get(v)), None)


@registry.register("openai")
class OpenAIGenerator(ConcurrentRequests):
    """A model behind an OpenAI-compatible server; the embedded model answers when it is down."""

    description = "an OpenAI-compatible server (vLLM, llama.cpp, LM Studio, hosted APIs)"
    Options = OpenAIOptions
    needs_server = True
    can_batch = False  # the server batches concurrent requests itself: we send several

    @classmethod
    def from_options(cls, options: OpenAIOptions, settings: Any) -> OpenAIGenerator:
        return cls(options.base_url, options.model, options.timeout, options.concurrency)

    def __init__(
        self, base_url: str, model: str, timeout: float = 60.0, concurrency: int = 4
    ) -> None:
        self.base_url, self.model, self.timeout = base_url.rstrip("/"), model, timeout
        self.concurrency = concurrency
        self.name = f"openai:{model}"

    def _headers(self) -> dict[str, str]:
        key = api_key()
        return {"Authorization": f"Bearer {key}"} if key else {}

    def available(self) -> bool:
        """Whether the server answers GET /models (quickly; never raises)."""
        import httpx

        try:
            r = httpx.get(f"{self.base_url}/models", headers=self._headers(), timeout=3)
        except httpx.HTTPError:
            return False
        return r.status_code == 200

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation:
        start = time.perf_counter()
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_new_tokens,
            "temperature": 0,
            "stop": list(STOP_STRINGS),  # at most 4 strings in the API
            "stream": False,
        }
        raw = self._post(body, start + self.timeout)
        seconds = time.perf_counter() - start
        text, tokens = self._parse(raw)
        log.debug("%s: %d tokens in %.2f s", self.name, tokens, seconds)
        return Generation(text, self.name, tokens, seconds)

    def _post(self, body: dict[str, Any], deadline: float) -> bytes:
        """The response body, read under one deadline; every failure is BackendUnavailable."""
        import httpx

        where = f"{self.base_url}/chat/completions"
        chunks: list[bytes] = []
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(self.timeout), verify=tls()) as client,
                client.stream("POST", where, json=body, headers=self._headers()) as r,
            ):
                for chunk in r.iter_raw():
                    chunks.append(chunk)
                    if time.perf_counter() > deadline:
                        raise TimeoutError
                    if sum(map(len, chunks)) > _MAX_BODY:
                        raise BackendUnavailable(f"{where}: the answer is too large")
                status = r.status_code
        except (TimeoutError, httpx.TimeoutException):
            raise BackendUnavailable(
                f"the server at {self.base_url} did not answer within {self.timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise BackendUnavailable(f"no server at {self.base_url} ({exc})") from None
        data = b"".join(chunks)
        if status != 200:
            detail = data[:200].decode("utf-8", "replace").strip()
            raise BackendUnavailable(f"{where} answered {status}: {detail}")
        return data

    def _parse(self, raw: bytes) -> tuple[str, int]:
        try:
            data = json.loads(raw)
            text = data["choices"][0]["message"]["content"]
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, IndexError, TypeError):
            shown = raw[:120].decode("utf-8", "replace")
            raise BackendUnavailable(
                f"{self.base_url}: not an OpenAI chat-completions answer: {shown!r}"
            ) from None
        usage = data.get("usage") or {}
        tokens = usage.get("completion_tokens")
        return text.strip(), int(tokens) if isinstance(tokens, int) else len(text.split())
