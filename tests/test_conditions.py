import pytest
from pydantic import TypeAdapter, ValidationError

from advisor.conditions import Condition, holds, trace

parse = TypeAdapter(Condition).validate_python


@pytest.mark.parametrize(
    ("cond", "answers", "expected"),
    [
        ({"question": "a", "eq": 1}, {"a": 1}, True),
        ({"question": "a", "ne": 1}, {"a": 1}, False),
        ({"question": "a", "in": ["x", "y"]}, {"a": "y"}, True),
        ({"question": "a", "not_in": ["x", "y"]}, {"a": "y"}, False),
        ({"question": "a", "gte": 10}, {"a": 10}, True),
        ({"question": "a", "gt": 10}, {"a": 10}, False),
        ({"question": "a", "lte": 10}, {"a": 10.5}, False),
        ({"question": "a", "lt": 10}, {"a": 9}, True),
        ({"question": "a", "contains": "x"}, {"a": ["x", "z"]}, True),
        ({"question": "a", "contains_any": ["q", "z"]}, {"a": ["x", "z"]}, True),
        ({"question": "a", "contains_any": ["q"]}, {"a": []}, False),
        ({"question": "a", "eq": False}, {"a": False}, True),
    ],
)
def test_operators(cond, answers, expected):
    assert holds(parse(cond), answers) is expected


def test_unasked_question_fails_every_test_but_not_negation():
    assert holds(parse({"question": "a", "ne": 1}), {"a": None}) is False
    assert holds(parse({"not": {"question": "a", "eq": 1}}), {"a": None}) is True


def test_trees_and_because():
    cond = parse(
        {
            "all": [
                {"question": "a", "eq": 1},
                {"any": [{"question": "b", "eq": 2}, {"question": "c", "eq": 3}]},
                {"not": {"question": "d", "eq": True}},
            ]
        }
    )
    answers = {"a": 1, "b": 0, "c": 3, "d": False}
    t = trace(cond, answers)
    assert t.held and holds(cond, answers)
    # Only the tests that made the tree hold are given as reasons.
    assert t.because() == ["a = 1 (is 1)", "c = 3 (is 3)", "not [d = no (is yes)]"]
    assert [m.question for m in t.matches()] == ["a", "b", "c", "d"]


def test_exactly_one_operator():
    with pytest.raises(ValidationError, match="exactly one operator"):
        parse({"question": "a", "eq": 1, "gte": 2})
    with pytest.raises(ValidationError, match="exactly one operator"):
        parse({"question": "a"})


def test_unknown_shape_and_extra_keys():
    with pytest.raises(ValidationError, match="one of: all, any, not, question"):
        parse({"either": []})
    with pytest.raises(ValidationError, match="Extra inputs"):
        parse({"question": "a", "eq": 1, "weight": 2})


def test_conditions_round_trip_through_json_with_their_yaml_keys():
    cond = parse({"all": [{"question": "a", "in": [1]}, {"not": {"question": "b", "eq": True}}]})
    dumped = TypeAdapter(Condition).dump_python(cond, by_alias=True, exclude_none=True)
    assert dumped == {"all": [{"question": "a", "in": [1]}, {"not": {"question": "b", "eq": True}}]}
    assert parse(dumped) == cond
