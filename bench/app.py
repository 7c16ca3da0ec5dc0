"""App benchmarks: time to a healthy server, questionnaire rerun time, and no torch on the
first page. Ratios are against baselines measured in the same run.

    .venv/bin/python bench/app.py
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def health_seconds() -> float:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if (
                    urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/_stcore/health", timeout=1
                    ).read()
                    == b"ok"
                ):
                    return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
            if time.perf_counter() - start > 60:
                raise RuntimeError("no health answer within 60 s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def rerun_ms() -> tuple[float, float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    toggle = next(t for t in at.toggle if t.key == "qn_needs_external_data")
    times, plain = [], []
    for i in range(10):
        start = time.perf_counter()
        toggle.set_value(i % 2 == 0).run()
        times.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        at.run()  # baseline: a rerun with nothing changed
        plain.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.median(plain)


PROBE = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60)
at.run()
assert not at.exception
print(",".join(m for m in ("torch", "transformers", "chromadb", "sentence_transformers") if m in sys.modules) or "none")
"""


def main() -> None:
    python_start = statistics.median(
        _time(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True)) for _ in range(5)
    )
    h = health_seconds()
    print(
        f"health endpoint answered {h:.1f} s after `streamlit run` (target < 10 s); "
        f"{h / python_start:.0f}x a bare python start"
    )
    change, same = rerun_ms()
    print(
        f"questionnaire interaction rerun: median {change:.0f} ms (target < 300 ms); "
        f"a rerun with nothing changed {same:.0f} ms ({change / same:.1f}x)"
    )
    heavy = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "app.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"heavy modules loaded by the first page: {heavy}")


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
