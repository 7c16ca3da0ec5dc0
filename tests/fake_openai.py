"""A fake OpenAI-compatible server on loopback: the documented chat-completions API
(POST /v1/chat/completions, GET /v1/models), with ways to misbehave."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self, answer: str = "The refund window is 45 days [1].", *, status: int = 200,
                 body: bytes | None = None, trickle: float = 0.0, delay: float = 0.0,
                 fail_every: int = 0) -> None:  # fmt: skip
        self.answer, self.status, self.body, self.trickle = answer, status, body, trickle
        self.delay, self.fail_every = delay, fail_every  # seconds per answer; every Nth: 503
        self.requests: list[dict] = []
        self.in_flight = self.peak = 0  # requests being answered now, and at most
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                payload = json.dumps({"data": [{"id": "served-model"}]}).encode()
                self._send(200, payload)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length))
                request["_path"] = self.path
                request["_auth"] = self.headers.get("Authorization")
                with fake._lock:
                    fake.requests.append(request)
                    number = len(fake.requests)
                    fake.in_flight += 1
                    fake.peak = max(fake.peak, fake.in_flight)
                    self.counted = True
                try:
                    if fake.delay:
                        time.sleep(fake.delay)
                    if fake.fail_every and number % fake.fail_every == 0:
                        return self._send(503, b'{"error": "overloaded"}')
                    if fake.body is not None:
                        return self._send(fake.status, fake.body)
                    # the answer names the question it answers, so order can be checked
                    asked = request["messages"][-1]["content"]
                    content = fake.answer.replace("{question}", asked)
                    reply = {
                        "choices": [{"message": {"role": "assistant", "content": content}}],
                        "usage": {"completion_tokens": 9},
                    }
                    self._send(fake.status, json.dumps(reply).encode())
                finally:
                    self._done()

            def _done(self):
                # no longer in flight once its reply is ready: the client sends its next
                # request the moment the reply arrives, maybe before this thread runs again
                if getattr(self, "counted", False):
                    self.counted = False
                    with fake._lock:
                        fake.in_flight -= 1

            def _send(self, status, payload):
                self._done()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if not fake.trickle:
                    self.wfile.write(payload)
                    return
                for byte in payload:  # one byte at a time: each read is quick, the whole slow
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:  # the client gave up at its deadline, as it should
                        return
                    time.sleep(fake.trickle)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
