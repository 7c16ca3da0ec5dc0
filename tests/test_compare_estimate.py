"""How long a comparison will take here: from the last one's measured speeds, from the
benchmark before any, or said to be unknown for a setup nothing has run with."""

from __future__ import annotations

import pytest

from advisor.compare.estimate import SPEED_FILE, estimate, remember, setup_key
from advisor.compare.run import Cell, ComparisonRun, Row
from advisor.settings import Settings

PRIOR = "embedded|onnx|SmolLM2-135M-Instruct|auto"


def _run() -> ComparisonRun:
    rows = [Row(f"q{i}", f"Q{i}?", "a", []) for i in range(4)]
    cells = [Cell(r.id, "base", "a", "fake", 0.5, 3) for r in rows]
    cells += [Cell(r.id, "rag", "a", "fake", 1.5, 3) for r in rows]
    return ComparisonRun(["base", "rag"], rows, cells, seconds=10.0)


def test_before_any_run_the_built_in_model_is_estimated_from_the_benchmark(tmp_path):
    assert setup_key(Settings()) == PRIOR
    guess = estimate(tmp_path, PRIOR, ["base", "rag"], 10)
    assert guess.seconds == pytest.approx(18.0) and "benchmark on a 2-core laptop" in guess.text
    other = estimate(tmp_path, "openai|onnx|big|cuda", ["base"], 10)
    assert other.seconds is None and other.text.startswith("no estimate yet")


def test_the_next_estimate_rests_on_the_last_run_here(tmp_path):
    remember(tmp_path, PRIOR, _run())
    guess = estimate(tmp_path, PRIOR, ["base", "rag", "lora"], 10)
    # base 0.5 s and rag 1.5 s an answer; lora, not measured, at their mean (1.0 s);
    # 10 s - 8 s of answers over 4 questions: 0.5 s a question around them
    assert guess.seconds == pytest.approx((0.5 + 1.5 + 1.0) * 10 + 0.5 * 10)
    assert "from the last comparison here" in guess.text


def test_an_unreadable_speed_file_is_no_error(tmp_path):
    (tmp_path / SPEED_FILE).write_text("{not json")
    assert estimate(tmp_path, PRIOR, ["base"], 2).seconds == pytest.approx(1.8)
    remember(tmp_path, PRIOR, _run())  # and is replaced by a good one
    assert estimate(tmp_path, PRIOR, ["base"], 2).seconds == pytest.approx(2.0)
