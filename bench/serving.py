"""A comparison through a serving engine: requests one at a time against several at once.

    .venv/bin/python bench/serving.py [--questions 32] [--delay 0.2]

A loopback server speaks the OpenAI chat-completions API (as vLLM and llama.cpp's server
do) and takes `--delay` seconds for every answer, as a busy engine would; the comparison
runner sends the questions of the base arm through it with ADVISOR_OPENAI_CONCURRENCY 1
and then 4, in the same process. Target: at least 3.5x the throughput at 4 in flight.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.compare.arms import REGISTRY
from advisor.compare.runner import Plan, run_comparison
from advisor.llm.registry import make_generator
from advisor.questionsets.model import typed_questions
from advisor.rag.models import pipeline_models
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

TARGET = 3.5


def serve(delay: float) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(delay)  # the engine's time for one answer
            asked = request["messages"][-1]["content"][-40:]
            body = json.dumps({
                "choices": [{"message": {"role": "assistant", "content": f"About {asked}"}}],
                "usage": {"completion_tokens": 8},
            }).encode()  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--questions", type=int, default=32)
    ap.add_argument("--delay", type=float, default=0.2)
    args = ap.parse_args()
    server, url = serve(args.delay)
    questions = typed_questions(
        [f"What does rule {i} of the handbook say?" for i in range(args.questions)]
    )
    seconds: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, 4):
            s = Settings(data_dir=Path(tmp), generator="openai", openai_base_url=url,
                         openai_model="served", openai_concurrency=n)  # fmt: skip
            pipeline = RagPipeline(s, "serving", **pipeline_models(s))
            plan = Plan(pipeline, questions, [REGISTRY["base"]], make_generator(s))
            start = time.perf_counter()
            run = run_comparison(plan)
            seconds[n] = time.perf_counter() - start
            assert len(run.cells) == args.questions
            assert not any(c.fallback_reason for c in run.cells), "the fallback answered"
    server.shutdown()
    ratio = seconds[1] / seconds[4]
    print(f"{args.questions} questions, {args.delay * 1000:.0f} ms per answer at the server")
    for n, t in seconds.items():
        print(f"  {n} in flight: {t:6.2f} s  ({args.questions / t:5.1f} answers/s)")
    print(f"  throughput at 4 in flight: {ratio:.2f}x one at a time (target >= {TARGET}x: "
          f"{'met' if ratio >= TARGET else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
