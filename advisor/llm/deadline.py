"""One HTTP exchange under one deadline: connecting, sending and every read of the reply.

httpx's timeouts apply to each operation: a server that sends a byte every few seconds
never trips a read timeout and can hold a request for ever. Here a timer shuts the
connection's socket down at the deadline, which wakes a read in progress at once, so no
request outlives its timeout, whatever the server does.
"""

from __future__ import annotations

import contextlib
import functools
import socket
import threading
from typing import Any


class DeadlinePassed(Exception):
    """The exchange did not finish within its timeout."""


class TooLarge(Exception):
    """The reply is larger than the caller accepts."""


@functools.cache
def tls() -> Any:
    """httpx's default TLS context (certifi's roots), made once per process: a client made
    without one builds it again, about 25 ms a request, which a comparison of hundreds of
    questions through a server would pay each time."""
    import httpx

    return httpx.create_ssl_context()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def exchange(
    method: str, url: str, *, timeout: float, max_body: int, json: Any = None
) -> tuple[int, bytes]:
    """(status, body) of one request; raises DeadlinePassed, TooLarge or httpx.HTTPError."""
    import httpx

    lock, expired = threading.Lock(), threading.Event()
    sockets: list[socket.socket] = []

    def trace(event: str, info: dict[str, Any]) -> None:
        if event.endswith(("connect_tcp.complete", "connect_unix_socket.complete")):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with lock:
                    sockets.append(sock)
                    if expired.is_set():
                        _shut(sock)

    def expire() -> None:
        with lock:
            expired.set()
            for sock in sockets:
                _shut(sock)

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    chunks: list[bytes] = []
    size = 0
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(timeout), verify=tls()) as client,
            client.stream(method, url, json=json, extensions={"trace": trace}) as r,
        ):
            for chunk in r.iter_raw():
                size += len(chunk)
                if size > max_body:
                    raise TooLarge
                chunks.append(chunk)
            status = r.status_code
        if expired.is_set():  # a reply framed by closing the connection ends early too
            raise DeadlinePassed
    except (httpx.HTTPError, OSError):
        if expired.is_set():
            raise DeadlinePassed from None
        raise
    finally:
        timer.cancel()
    return status, b"".join(chunks)
