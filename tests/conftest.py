"""Shared fixtures: the built-in rules, editable copies of them, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from advisor.decision.loader import RuleSet, load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


def pytest_configure(config) -> None:
    """One model cache for the whole run, in every process the tests start (CLI runs, the
    app): the built models are made once. A cache the developer points at is reused."""
    if not os.environ.get("ADVISOR_CACHE_DIR"):
        os.environ["ADVISOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="advisor-test-cache-")


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules(RULES)


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of the built-in rules folder that a test may break."""
    dest = tmp_path / "rules"
    shutil.copytree(RULES, dest)
    return dest


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run `advisor ARGS` as a real process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "advisor.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        input=stdin,
        cwd=cwd or ROOT,
        timeout=timeout,
    )


TINY_SEED = "Alpha beats beta when the flag is set. Otherwise it is a coin toss."
TINY_QUESTIONS = """\
version: 1
sections:
  - {id: s, title: S}
questions:
  - {id: flag, section: s, text: Flag?, type: yes_no, default: false}
  - {id: size, section: s, text: Size?, type: number, min: 0, max: 100, default: 10}
"""
TINY_DECISION = """\
version: 1
prior: {prompt_engineering: 0, rag: 0, fine_tune: 0, hybrid: 0}
tie_order: [prompt_engineering, rag, fine_tune, hybrid]
near_tie_margin: 0.05
next_steps: {rag: [{text: r}], fine_tune: [{text: f}], hybrid: [{text: h}], prompt_engineering: [{text: p}]}
rules:
  - id: base
    title: Base
    when: {question: size, gte: 0}
    evidence: {rag: 1, fine_tune: 1}
    rationale: r
    source: {seed: tiny.txt, quote: "Otherwise it is a coin toss."}
  - id: flagged
    title: Flagged
    when: {question: flag, eq: true}
    evidence: {fine_tune: 2}
    rationale: r
    source: {seed: tiny.txt, quote: "Alpha beats beta when the flag is set."}
  - id: big
    title: Big
    when: {question: size, gte: 50}
    evidence: {rag: 0.02}
    rationale: r
    source: {seed: tiny.txt, quote: "Otherwise it is a coin toss."}
"""


@pytest.fixture
def tiny_rules(tmp_path: Path) -> Path:
    """A two-question rules folder whose arithmetic is easy to check by hand."""
    folder = tmp_path / "tiny"
    (folder / "seeds").mkdir(parents=True)
    (folder / "seeds" / "tiny.txt").write_text(TINY_SEED)
    (folder / "questions.yaml").write_text(TINY_QUESTIONS)
    (folder / "decision.yaml").write_text(TINY_DECISION)
    return folder


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2, loaded once for the whole run."""
    from advisor.rag.models import MiniLMEmbedder

    return MiniLMEmbedder(Path(os.environ["ADVISOR_CACHE_DIR"]))


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The run's model cache (ADVISOR_CACHE_DIR): the real LLM is de-quantized and built
    once. Tests that need a data folder shared by real-model runs use it as one too."""
    return Path(os.environ["ADVISOR_CACHE_DIR"])


@pytest.fixture(scope="session")
def trained_adapter(model_dir, tmp_path_factory):
    """A real, tiny LoRA run on 12 golden pairs: (split, result, progress reports).

    Trained once per test run; the fine-tune tests and the comparison tests share it.
    """
    from advisor.compare.learned import check
    from advisor.finetune.pairs import pairs_from_golden, split_pairs
    from advisor.finetune.train import TrainConfig, train_lora

    # small, but it learns its facts (in their five phrasings): the leak and staleness
    # tests need facts the adapter really states
    tiny = TrainConfig(epochs=4, batch_size=8, max_seq_len=64, rank=8, alpha=16)
    split = split_pairs(pairs_from_golden(ROOT / "demo_corpus" / "golden.yaml")[:12], seed=0,
                        general_share=0)  # fmt: skip
    out = tmp_path_factory.mktemp("runs") / "adapter"
    reports: list = []
    result = train_lora(split, out, model_dir, tiny, progress=reports.append, check=check)
    return split, result, reports


@pytest.fixture
def settings(tmp_path):
    from advisor.settings import Settings

    return Settings(data_dir=tmp_path / "data")


class FakeGenerator:
    """Unit-test stand-in for a model: repeats the first context line, and counts calls."""

    name = "fake"

    def __init__(self, text: str | None = None) -> None:
        self.text, self.calls = text, []

    def generate(self, messages, max_new_tokens=160):
        from advisor.llm.base import Generation

        self.calls.append(messages)
        if self.text is not None:
            return Generation(self.text, self.name, 3, 0.01)
        lines = messages[-1]["content"].split("\n")
        first = next((line for line in lines if line.startswith("[1] ")), lines[0])
        return Generation(f"{first.split('] ', 1)[-1]} [1]", self.name, 10, 0.01)
