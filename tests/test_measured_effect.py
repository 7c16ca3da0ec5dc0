"""What a comparison's measurements did to the verdict, in one sentence: the rules they
made fire and the scores they moved, or that nothing moved, always with the paired
figure the measured rules read and its interval."""

from __future__ import annotations

from conftest import ROOT

from advisor.advice import load_folder, measured_effect

RULES = load_folder(ROOT / "rules").rules
GIVEN = {"needs_external_data": True, "failure_mode": "both"}
# Retrieval clearly ahead of the adapter on questions it did not train on (n = 10): the
# chunks held the answer where the adapter did not state it
CLEAR = {
    "retrieval_minus_lora_unseen_low": 0.2,
    "retrieval_minus_lora_unseen_high": 0.8,
    "retrieval_minus_lora_unseen_n": 10,
    "context_recall_unseen": 0.7,
    "lora_correct_unseen": 0.1,
}


def test_a_clear_measurement_moves_the_verdict_and_says_by_how_much():
    effect = measured_effect(RULES, GIVEN, evidence=CLEAR)
    assert [f.rule for f in effect.added] == ["measured_rag_beats_adapter_on_new_questions"]
    assert effect.moved == {"rag": 2.0, "hybrid": 1.0, "fine_tune": -2.0}
    text = effect.sentence(CLEAR)
    assert text.startswith("Moves the verdict (")
    assert (
        "Measured: retrieval found the answers to unseen questions, the adapter stated few" in text
    )
    assert "RAG +2" in text and "Fine-tuning -2" in text
    assert "+60 points, 95% interval [+20, +80], 10 questions in both" in text


def test_a_figure_not_clear_of_chance_moves_nothing_and_says_so():
    unclear = {**CLEAR, "retrieval_minus_lora_unseen_low": -0.1}
    effect = measured_effect(RULES, GIVEN, evidence=unclear)
    assert effect.added == [] and effect.removed == [] and effect.moved == {}
    assert effect.before.label == effect.after.label
    text = effect.sentence(unclear)
    assert text.startswith(f"Moves nothing in the verdict (still {effect.after.label})")
    assert "95% interval [-10, +80]" in text


def test_without_an_adapter_the_overall_pair_stands_in():
    effect = measured_effect(RULES, GIVEN, evidence={"rag_correct": 0.6, "base_correct": 0.1})
    text = effect.sentence({}, "RAG minus Base: +50 points (95% interval +20 to +80; n=10)")
    assert text.endswith(
        "On all questions, RAG minus Base: +50 points (95% interval +20 to +80; n=10)."
    )
    assert "No paired figure" in effect.sentence({})


def test_the_case_for_rag_rests_on_retrieval_not_on_a_weak_reader():
    """RAG's answers right on 10% (a small reader) but retrieval held the answer for 70%:
    the rule still fires, because a larger reader keeps what retrieval found."""
    weak_reader = {**CLEAR, "rag_correct_unseen": 0.1}
    effect = measured_effect(RULES, GIVEN, evidence=weak_reader)
    assert [f.rule for f in effect.added] == ["measured_rag_beats_adapter_on_new_questions"]
    no_retrieval = {**CLEAR, "context_recall_unseen": 0.3}  # retrieval rarely held it
    assert measured_effect(RULES, GIVEN, evidence=no_retrieval).added == []
