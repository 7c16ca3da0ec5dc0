"""Ollama's documented HTTP API (/api/tags, /api/chat), served on loopback for tests.

No real Ollama server can run here, so our client code is tested against this server,
which answers in the documented response shapes, or misbehaves on request: `body` sends
these bytes instead of the answer (empty, not JSON), `trickle` sends the whole reply,
status line and headers included, one byte every `trickle` seconds, and `close_early`
promises a body and hangs up half-way, `fail_every` answers every Nth chat request with
503, and `in_flight` / `peak` count the requests being answered at once.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOllama:
    def __init__(
        self,
        models=("smollm2:135m",),
        reply="The refund window is 45 days [1].",
        delay: float = 0.0,
        body: bytes | None = None,
        trickle: float = 0.0,
        close_early: bool = False,
        fail_every: int = 0,
    ) -> None:
        self.models, self.reply, self.delay = list(models), reply, delay
        self.body, self.trickle, self.close_early = body, trickle, close_early
        self.fail_every = fail_every  # every Nth chat request: 503, as an overloaded server
        self.requests: list[dict] = []
        self.in_flight = self.peak = 0  # chat requests being answered now, and at most
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _done(self) -> None:
                # no longer in flight once its reply is ready: the client sends its next
                # request the moment the reply arrives, maybe before this thread runs again
                if getattr(self, "counted", False):
                    self.counted = False
                    with outer._lock:
                        outer.in_flight -= 1

            def _send(self, status: int, body: dict) -> None:
                self._done()
                data = json.dumps(body).encode() if outer.body is None else outer.body
                head = (
                    f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n"
                ).encode()
                if outer.close_early:
                    data = data[: len(data) // 2]
                try:
                    if not outer.trickle:
                        self.wfile.write(head + data)
                        return
                    for byte in head + data:  # each read is quick, the whole reply slow
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(outer.trickle)
                except OSError:
                    pass  # the client gave up (the timeout tests): nothing to answer
                finally:
                    self.close_connection = True

            def do_GET(self):
                if self.path == "/api/tags":
                    self._send(
                        200,
                        {
                            "models": [
                                {
                                    "name": m,
                                    "model": m,
                                    "modified_at": "2025-01-01T00:00:00Z",
                                    "size": 91_000_000,
                                    "digest": "sha256:0",
                                    "details": {
                                        "format": "gguf",
                                        "family": "llama",
                                        "parameter_size": "135M",
                                        "quantization_level": "Q4_1",
                                    },
                                }
                                for m in outer.models
                            ]
                        },
                    )
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                with outer._lock:
                    outer.requests.append({"path": self.path, **body})
                if self.path != "/api/chat":
                    return self._send(404, {"error": "not found"})
                if body.get("model") not in outer.models:
                    return self._send(404, {"error": f"model '{body.get('model')}' not found"})
                with outer._lock:
                    number = sum(1 for r in outer.requests if r["path"] == "/api/chat")
                    outer.in_flight += 1
                    outer.peak = max(outer.peak, outer.in_flight)
                    self.counted = True
                try:
                    time.sleep(outer.delay)
                    if outer.fail_every and number % outer.fail_every == 0:
                        return self._send(503, {"error": "server busy"})
                    asked = body["messages"][-1]["content"]
                    self._answer(body, outer.reply.replace("{question}", asked))
                finally:
                    self._done()

            def _answer(self, body: dict, content: str) -> None:
                self._send(
                    200,
                    {
                        "model": body["model"],
                        "created_at": "2025-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": content},
                        "done": True,
                        "done_reason": "stop",
                        "total_duration": 1_000_000,
                        "load_duration": 1000,
                        "prompt_eval_count": 50,
                        "prompt_eval_duration": 100_000,
                        "eval_count": 9,
                        "eval_duration": 900_000,
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True  # a trickling reply must not block shutdown
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeOllama:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
