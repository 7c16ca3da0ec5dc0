"""Run the examples that rule files carry, as `advisor check-rules` and the tests do."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.decision.engine import evaluate
from advisor.decision.loader import RuleSet
from advisor.decision.questions import Derive


@dataclass(frozen=True)
class ExampleResult:
    name: str
    line: int | None
    expected: str
    got: str
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_examples(rules: RuleSet, derive: Derive | None = None) -> list[ExampleResult]:
    """Evaluate every example (facts from `derive`) and compare with what it expects."""
    results = []
    for i, ex in enumerate(rules.book.examples):
        rec = evaluate(rules, dict(ex.answers), _with(derive, ex.evidence))
        fired = {f.rule for f in rec.fired}
        raised = {w.id for w in rec.warnings}
        failures = []
        if rec.recommendation != ex.expect.recommendation:
            scores = ", ".join(f"{o} {rec.scores[o]:.2f}" for o in rec.ranking)
            failures.append(
                f"expected {ex.expect.recommendation}, got {rec.recommendation} ({scores})"
            )
        failures += [f"rule {r} did not fire" for r in ex.expect.fired if r not in fired]
        failures += [f"rule {r} fired" for r in ex.expect.not_fired if r in fired]
        failures += [f"warning {w} not raised" for w in ex.expect.warnings if w not in raised]
        if ex.expect.no_warnings and raised:
            failures.append(f"raised {', '.join(sorted(raised))}; expected no warning")
        ruled = sorted(r.option for r in rec.ruled_out)
        if ex.expect.ruled_out is not None and ruled != sorted(ex.expect.ruled_out):
            failures.append(
                f"ruled out {ruled or 'nothing'}, expected {sorted(ex.expect.ruled_out)}"
            )
        if ex.expect.tie is not None and sorted(rec.tie) != sorted(ex.expect.tie):
            failures.append(f"tie {rec.tie or 'none'}, expected {sorted(ex.expect.tie)}")
        line = rules.decision_lines.line(("examples", i))
        results.append(
            ExampleResult(ex.name, line, ex.expect.recommendation, rec.recommendation, failures)
        )
    return results


def _with(derive: Derive | None, measured: dict[str, float]) -> Derive | None:
    """The facts function plus an example's measured facts (as a comparison gives them)."""
    if not measured:
        return derive
    return lambda values: {**(derive(values) if derive else {}), **measured}
