"""Every example in every rule file is a test; so is every quoted source passage."""

import pytest
from conftest import RULES

from advisor.advice import bind_facts
from advisor.decision.check import run_examples
from advisor.decision.loader import load_rules

_RULES = load_rules(RULES)
_RESULTS = run_examples(_RULES, bind_facts(_RULES))


@pytest.mark.parametrize("result", _RESULTS, ids=[r.name for r in _RESULTS])
def test_example(result):
    assert result.passed, f"decision.yaml:{result.line}: {'; '.join(result.failures)}"


def test_enough_examples_cover_both_seed_tables():
    names = [e.name for e in _RULES.book.examples]
    assert len(names) >= 25
    assert sum(n.startswith("QR:") for n in names) == 10  # seed 004's Quick Reference rows
    assert sum(n.startswith("001:") for n in names) == 6  # seed 001's decision table rows


def test_every_option_is_reachable():
    assert {r.got for r in _RESULTS} == {"rag", "fine_tune", "hybrid", "prompt_engineering"}


def test_the_five_mistakes_are_warnings():
    warnings = {r.warning.id for r in _RULES.book.rules if r.warning}
    assert {
        "fine_tune_to_inject_knowledge",
        "skipping_prompt_engineering",
        "naive_rag",
        "no_evaluation_framework",
        "catastrophic_forgetting",
    } <= warnings


def test_every_rule_quotes_a_seed():
    seeds = {r.source.seed for r in _RULES.book.rules}
    assert seeds == {p.name for p in (RULES / "seeds").glob("*.txt")}
