"""The report templates: words for emoji marks, the LoRA loss curve as a Markdown table."""

import pytest

from advisor.report.model import build_report
from advisor.report.render import to_html, to_markdown

RUN = {
    "status": "complete",
    "base_model": "HuggingFaceTB/SmolLM2-135M-Instruct",
    "steps": 4,
    "wall_seconds": 12.5,
    "tokens_per_second": 850.0,
    "peak_memory_mb": 900.0,
    "train_loss": [[1, 2.5], [2, 2.0], [3, 1.25], [4, 0.75]],
    "val_loss": [[0, 3.0], [2, 2.25], [4, 2.5]],
}


@pytest.fixture(scope="module")
def report(rules):
    # Weekly changing knowledge fires a rule quoting seed 004's table: "| ✅ | ❌".
    given = {"needs_external_data": True, "knowledge_change": "weekly"}
    return build_report(rules, given, lora_run=RUN)


def test_emoji_marks_in_seed_quotes_become_words(report):
    quotes = [f["source"]["quote"] for f in report.recommendation["fired"]]
    assert any("✅" in q for q in quotes)  # the case this is about
    for text in (to_markdown(report), to_html(report)):
        assert "✅" not in text and "❌" not in text
        # the table row it is, under its table's header, in words
        assert "Problem Type: Frequently changing data; RAG: yes; Fine-Tuning: no" in text
        assert "| ✅ |" not in text


def test_markdown_gives_the_loss_curve_as_a_table(report):
    md = to_markdown(report)
    assert "loss curve is in the HTML report" not in md
    assert "| Step | Training loss | Validation loss |" in md
    assert "| 0 | – | 3.000 |" in md  # before training: validation only
    assert "| 2 | 2.000 | 2.250 |" in md
    assert "| 4 | 0.750 | 2.500 |" in md


def test_markdown_without_validation_lists_the_training_loss(rules):
    run = {**RUN, "val_loss": []}
    md = to_markdown(build_report(rules, {}, lora_run=run))
    assert "| Step | Training loss |\n|---:|---:|\n| 1 | 2.500 |" in md
