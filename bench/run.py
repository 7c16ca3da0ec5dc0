"""Benchmarks of the decision core. Prints medians, targets, and ratios to a baseline
measured in the same process, so machine noise cancels out. Never used as a test.

    make bench          (or: .venv/bin/python bench/run.py)
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from advisor.advice import bind_facts, folder_prices
from advisor.decision.engine import advise, evaluate
from advisor.decision.flips import find_flips, next_questions
from advisor.decision.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent
BUSY = {  # many rules fire and many follow-ups are asked: a heavy but realistic answer set
    "failure_mode": "both",
    "prompt_engineering_tried": "failed_on_test_set",
    "needs_external_data": True,
    "knowledge_change": "weekly",
    "updates_immediate": True,
    "private_data": True,
    "corpus_documents": 20000,
    "needs_citations": True,
    "audit_trail": True,
    "deletion_required": True,
    "multi_tenant": True,
    "compliance": True,
    "behaviour_needs": ["strict_format", "tone_persona", "domain_skills"],
    "labelled_examples": 3000,
    "latency_budget_ms": 150,
    "monthly_queries": 20_000_000,
    "model_access": "open_weights",
    "training_budget": "small",
    "current_plan": "hybrid",
}


def median_ms(fn: Callable[[], object], repeat: int, inner: int = 1) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - start) * 1000 / inner)
    return statistics.median(times)


def baseline_ms() -> float:
    """Reference pure-Python work: sorting 10,000 floats."""
    data = [random.random() for _ in range(10_000)]
    return median_ms(lambda: sorted(data), repeat=50, inner=5)


def row(name: str, ms: float, base: float, target_ms: float) -> None:
    verdict = "ok" if ms < target_ms else "OVER TARGET"
    print(
        f"{name:<40} {ms:9.3f} ms  {ms / base:7.2f}x baseline  target < {target_ms:g} ms  {verdict}"
    )


def main() -> None:
    rules = load_rules(ROOT / "rules")
    base = baseline_ms()
    print(f"{'baseline (sort 10k floats)':<40} {base:9.3f} ms")
    sparse = {"failure_mode": "knowledge", "behaviour_needs": ["strict_format"],
              "monthly_queries": 200_000}  # fmt: skip  # how people fill forms
    for label, answers in (("nothing answered", {}), ("three answers", sparse), ("busy", BUSY)):
        derive = bind_facts(rules)
        current = evaluate(rules, answers, derive).recommendation
        row(
            f"evaluate ({label})",
            median_ms(lambda a=answers, d=derive: evaluate(rules, a, d), 200, 10),
            base,
            5,  # with the cost facts it derives (memoised per cost input)
        )
        row(
            f"flips ({label})",
            median_ms(lambda a=answers, c=current, d=derive: find_flips(rules, a, c, d), 30),
            base,
            100,
        )
        row(
            f"next questions ({label})",
            median_ms(lambda a=answers, c=current, d=derive: next_questions(rules, a, c, d), 30),
            base,
            100,
        )

        def cold(answers: dict = answers) -> None:
            advise(rules, answers, bind_facts(rules))  # fresh cost-fact memo each time

        row(f"advise, all of it ({label}, cold facts)", median_ms(cold, 10), base, 300)
    from advisor.costs.analysis import cost_report
    from advisor.costs.inputs import CostInputs

    row(
        "cost report (with sensitivity)",
        median_ms(lambda: cost_report(CostInputs(), folder_prices(rules)), 20),
        base,
        100,
    )
    # Whole process, as a user runs it: interpreter start + imports + load + advise + print.
    answers_file = ROOT / "bench" / "busy.yaml"
    import yaml

    answers_file.write_text(yaml.safe_dump(BUSY))
    try:
        cmd = [sys.executable, "-m", "advisor.cli", "advise", str(answers_file)]
        bare = median_ms(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), 7)
        whole = median_ms(lambda: subprocess.run(cmd, check=True, capture_output=True), 7)
    finally:
        answers_file.unlink()
    print(f"{'python -c pass (process baseline)':<40} {bare:9.1f} ms")
    verdict = "ok" if whole < 1000 else "OVER TARGET"
    print(
        f"{'advisor advise (whole process)':<40} {whole:9.1f} ms  {whole / bare:7.2f}x python start"
        f"  target < 1000 ms  {verdict}"
    )


if __name__ == "__main__":
    main()
