from advisor.decision.questions import resolve, validate_answers
from advisor.yamlio import parse_yaml


def test_unanswered_is_unknown_to_rules_and_assumptions_only_fill_costs(rules):
    a = resolve(rules.questionnaire, {})
    assert a.values["failure_mode"] is None and a.origin["failure_mode"] == "unknown"
    assert a.values["labelled_examples"] is None  # never "0 pairs"
    assert a.values["monthly_queries"] is None and a.origin["monthly_queries"] == "assumed"
    assert a.filled["monthly_queries"] == 10000  # what the cost estimate uses
    # knowledge follow-ups hang off needs_external_data, which nobody answered
    assert a.values["knowledge_change"] is None
    assert a.origin["knowledge_change"] == "not asked"


def test_follow_ups_appear_when_relevant(rules):
    a = resolve(rules.questionnaire, {"needs_external_data": True, "knowledge_change": "never"})
    assert a.values["knowledge_change"] == "never"
    assert a.values["private_data"] is None and a.origin["private_data"] == "unknown"
    # updates_immediate is asked only when the knowledge changes at all
    assert a.origin["updates_immediate"] == "not asked"


def test_a_follow_up_answer_implies_or_survives_an_unknown_parent(rules):
    a = resolve(rules.questionnaire, {"private_data": True})
    assert a.values["private_data"] is True and a.origin["private_data"] == "given"
    assert a.values["needs_external_data"] is True and a.origin["needs_external_data"] == "implied"
    assert "private" in a.reasons["needs_external_data"]
    # "never" implies nothing, but still counts: the parent is unknown, not "no"
    b = resolve(rules.questionnaire, {"knowledge_change": "never"})
    assert b.origin["knowledge_change"] == "given" and b.values["needs_external_data"] is None


def test_answers_to_hidden_questions_are_reported_as_ignored(rules):
    a = resolve(rules.questionnaire, {"needs_external_data": False, "private_data": True})
    assert a.values["private_data"] is None
    assert a.origin["private_data"] == "ignored"


def test_a_given_answer_overrides_an_implication(rules):
    implied = resolve(rules.questionnaire, {"prompt_engineering_tried": "failed_on_test_set"})
    assert implied.values["golden_eval_set"] is True
    assert implied.origin["golden_eval_set"] == "implied"
    given = {"prompt_engineering_tried": "failed_on_test_set", "golden_eval_set": False}
    said = resolve(rules.questionnaire, given)
    assert said.values["golden_eval_set"] is False and said.origin["golden_eval_set"] == "given"


def test_every_question_type_is_validated(rules):
    text = (
        "failure_mode: sometimes\n"  # not a choice
        "golden_eval_set: maybe\n"  # not yes/no
        "monthly_queries: -5\n"  # out of range
        "behaviour_needs: strict_format\n"  # not a list
        "latency_budget_ms: fast\n"  # not a number
        "colour: blue\n"  # unknown question
        "needs_external_data: yes\n"  # fine: YAML yes is true
    )
    raw, lines = parse_yaml(text, "answers.yaml")
    good, problems = validate_answers(rules.questionnaire, raw, lines)
    assert good == {"needs_external_data": True}
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {
        "failure_mode",
        "golden_eval_set",
        "monthly_queries",
        "behaviour_needs",
        "latency_budget_ms",
        "colour",
    }
    assert by_field["failure_mode"].line == 1
    assert "not one of: knowledge, behaviour, both, unsure" in by_field["failure_mode"].message
    assert by_field["colour"].line == 6 and "unknown question" in by_field["colour"].message
    assert "outside 0 to 1e+11" in by_field["monthly_queries"].message


def test_multi_choice_rejects_unknown_and_repeated_values(rules):
    qn = rules.questionnaire
    assert validate_answers(qn, {"behaviour_needs": ["tone_persona", "telepathy"]})[1]
    assert validate_answers(qn, {"behaviour_needs": ["tone_persona", "tone_persona"]})[1]
    assert validate_answers(qn, {"behaviour_needs": ["tone_persona"]})[1] == []


def test_answers_must_be_a_mapping(rules):
    _, problems = validate_answers(rules.questionnaire, ["failure_mode", "knowledge"])
    assert "must be a mapping" in problems[0].message
