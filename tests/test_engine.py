import pytest

from advisor.decision.engine import advise, evaluate
from advisor.decision.flips import candidate_values
from advisor.decision.loader import load_rules
from advisor.decision.serialize import recommendation_dict


def test_scores_by_hand_on_tiny_rules(tiny_rules):
    rs = load_rules(tiny_rules)
    rec = evaluate(rs, {"flag": True, "size": 10})
    # base gives rag 1 and fine_tune 1; flagged adds fine_tune 2 -> 1 : 3
    assert rec.raw_scores == {
        "rag": 1.0,
        "fine_tune": 3.0,
        "hybrid": 0.0,
        "prompt_engineering": 0.0,
    }
    assert rec.scores["fine_tune"] == pytest.approx(0.75)
    assert rec.recommendation == "fine_tune"
    assert [f.rule for f in rec.fired] == ["base", "flagged"]
    assert rec.fired[1].answers[0].value is True
    assert rec.next_steps[0].text == "f"


def test_exact_tie_is_reported_and_broken_by_tie_order(tiny_rules):
    rec = evaluate(load_rules(tiny_rules), {"flag": False, "size": 10})
    assert rec.tie == ["rag", "fine_tune"]
    assert rec.recommendation == "rag"  # rag comes before fine_tune in tie_order


def test_near_tie_is_reported(tiny_rules):
    rec = evaluate(load_rules(tiny_rules), {"flag": False, "size": 60})
    assert rec.tie == []
    assert rec.recommendation == "rag"
    assert rec.near_ties == ["fine_tune"]


def test_flips_on_numbers_use_rule_thresholds(tiny_rules):
    rs = load_rules(tiny_rules)
    q = rs.questions["size"]
    assert candidate_values(rs, q) == [0, 1, 49, 50, 51, 100]
    rec = advise(rs, {"flag": False, "size": 10})
    flips = {(f.question, f.value): f.recommendation for f in rec.flips}
    # flag flips to fine_tune; size is already rag at 10 (tie broken), stays rag above 50
    assert flips == {("flag", True): "fine_tune"}


def test_every_flip_really_flips(rules):
    given = {"failure_mode": "knowledge", "needs_external_data": True, "knowledge_change": "yearly"}
    rec = advise(rules, given)
    assert rec.flips, "a borderline case should have flips"
    for flip in rec.flips:
        again = evaluate(rules, {**given, flip.question: flip.value})
        assert again.recommendation == flip.recommendation != rec.recommendation


def test_no_answers_recommend_prompt_engineering_and_hold_nothing_against_anyone(rules):
    rec = advise(rules, {})
    assert rec.recommendation == "prompt_engineering"
    assert rec.fired == [] and rec.warnings == [] and rec.ruled_out == []
    assert rec.next_steps and all(s.text for s in rec.next_steps)
    assert sum(rec.scores.values()) == pytest.approx(1.0)
    assert rec.next_questions, "with nothing answered, some question must matter"


def test_json_contract(rules):
    data = recommendation_dict(advise(rules, {"needs_external_data": True}))
    assert data["recommendation"] in {"rag", "fine_tune", "hybrid", "prompt_engineering"}
    assert set(data["scores"]) == {"rag", "fine_tune", "hybrid", "prompt_engineering"}
    assert all({"rule", "because"} <= set(f) for f in data["fired"])
    assert all({"question", "value", "recommendation"} <= set(f) for f in data["flips"])
    assert isinstance(data["warnings"], list) and data["next_steps"]
    assert data["fired"][0]["source"]["seed"].endswith(".txt")
