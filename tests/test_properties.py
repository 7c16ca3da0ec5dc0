"""Property tests: any valid answer set gives one verdict, scores summing to 1, real flips."""

from typing import Any

import pytest
from conftest import RULES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.advice import bind_facts
from advisor.decision.engine import advise, evaluate
from advisor.decision.loader import load_rules
from advisor.decision.questions import Question

_RULES = load_rules(RULES)
_FACTS = bind_facts(_RULES)  # cost facts from the built-in price sheet


def _value(q: Question) -> st.SearchStrategy[Any]:
    if q.type == "yes_no":
        return st.booleans()
    if q.type == "single":
        return st.sampled_from(q.values)
    if q.type == "multi":
        return st.lists(st.sampled_from(q.values), unique=True)
    # Numbers: anywhere in range, with weight on the rule thresholds where verdicts change.
    edges = [0, 1, 49, 50, 99, 100, 150, 200, 999, 1000, 9_999_999, 10_000_000]
    inside = [e for e in edges if q.min <= e <= q.max]
    return st.one_of(st.sampled_from(inside), st.integers(int(q.min), int(q.max)))


answer_sets = st.fixed_dictionaries(
    {}, optional={q.id: _value(q) for q in _RULES.questionnaire.questions}
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets)
def test_any_valid_answers_give_one_verdict_and_real_flips(answers):
    rec = advise(_RULES, answers, _FACTS)
    assert rec.recommendation in {"rag", "fine_tune", "hybrid", "prompt_engineering"}
    assert rec.recommendation == rec.ranking[0]
    assert sum(rec.scores.values()) == pytest.approx(1.0)
    assert all(0.0 <= s <= 1.0 for s in rec.scores.values())
    assert max(rec.scores.values()) == rec.scores[rec.recommendation]
    for flip in rec.flips:
        again = evaluate(_RULES, {**answers, flip.question: flip.value}, _FACTS)
        assert again.recommendation == flip.recommendation
        assert flip.recommendation != rec.recommendation
