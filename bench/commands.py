"""Everyday commands as whole processes, as a user runs them, against baselines measured in
the same run: a bare interpreter start and `python -c "import torch"`.

Targets (issue: fast everyday commands), on 2 idle cores:
- `advisor ask --no-generate`: at most 2 s, and at most 0.7x `import torch`;
- `advisor ask` with the embedded model: at most 4 s;
- the first answer in a fresh data dir: within 1.5x a later one (the model cache is per
  user, so a new data dir builds nothing);
- `advisor advise`: at most 0.3 s, and at most 15x a bare interpreter start.

Two floors are timed beside them, so a missed ratio can be read: `from pydantic import
BaseModel` (the rules are pydantic models) and `import chromadb` (the store).

The model cache is the user's (ADVISOR_CACHE_DIR or the platform's); a first run builds it
once before timing. Medians of --repeat runs, alternated so that load hits all alike.

    .venv/bin/python bench/commands.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "What credit applies below 99.0 percent availability?"


def timed(args: list[str], cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds


def advisor(*args: str) -> list[str]:
    return [sys.executable, "-m", "advisor.cli", *args]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        answers = tmp_path / "answers.yaml"
        answers.write_text("failure_mode: knowledge\nneeds_external_data: true\n")
        data = tmp_path / "data"
        timed(advisor("ingest", str(ROOT / "demo_corpus" / "sla.md"), "--data-dir", str(data)))
        timed(advisor("ask", QUESTION, "--data-dir", str(data)))  # builds the cache if need be
        runs: dict[str, list[float]] = {}
        commands = {
            "bare interpreter": [sys.executable, "-c", "pass"],
            "import torch": [sys.executable, "-c", "import torch"],
            # Floors: what the libraries each command needs cost before our code runs.
            "import pydantic.BaseModel": [sys.executable, "-c", "from pydantic import BaseModel"],
            "import chromadb": [sys.executable, "-c", "import chromadb"],
            "advise": advisor("advise", str(answers)),
            "ask --no-generate": advisor("ask", QUESTION, "--no-generate", "--data-dir", str(data)),
            "ask": advisor("ask", QUESTION, "--data-dir", str(data)),
        }
        for i in range(args.repeat):
            for name, cmd in commands.items():
                runs.setdefault(name, []).append(timed(cmd))
            fresh = tmp_path / f"fresh-{i}"  # a new data dir: its first answer
            timed(advisor("ingest", str(ROOT / "demo_corpus" / "sla.md"), "--data-dir", str(fresh)))
            runs.setdefault("first ask, fresh data dir", []).append(
                timed(advisor("ask", QUESTION, "--data-dir", str(fresh)))
            )
    med = {name: statistics.median(v) for name, v in runs.items()}
    print(f"{'command':<28} {'median s':>9}  ratio")
    rows = [
        ("bare interpreter", None, None),
        ("import torch", None, None),
        ("import pydantic.BaseModel", "bare interpreter", "floor of advise (its models)"),
        ("import chromadb", "import torch", "floor of ask (the store)"),
        ("advise", "bare interpreter", "target <= 0.3 s and <= 15x bare"),
        ("ask --no-generate", "import torch", "target <= 2 s and <= 0.7x import torch"),
        ("ask", "import torch", "target <= 4 s"),
        ("first ask, fresh data dir", "ask", "target <= 1.5x a later ask"),
    ]
    for name, base, target in rows:
        ratio = f"{med[name] / med[base]:.2f}x {base}" if base else ""
        print(f"{name:<28} {med[name]:>9.3f}  {ratio}  {target or ''}")


if __name__ == "__main__":
    main()
