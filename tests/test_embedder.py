"""The ONNX MiniLM embedder: the same vectors as sentence-transformers, built once per user
cache, and a query path that loads no torch."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, run_cli

from advisor.rag.models import MiniLMEmbedder, SentenceTransformerEmbedder, onnx_folder

pytestmark = pytest.mark.slow
CORPUS = ROOT / "demo_corpus"
TEXTS = [
    "What does error E-305 indicate?",
    "E-305 means the indoor positioning signal was lost. " * 40,  # past the 256-token window
    "Ja, die Rückerstattung erfolgt innerhalb von 45 Tagen.",
    "x",
    "",
]


@pytest.fixture(scope="module")
def reference():
    return SentenceTransformerEmbedder()


def test_onnx_vectors_equal_the_sentence_transformers_ones(embedder, reference):
    ours, theirs = np.array(embedder.encode(TEXTS)), np.array(reference.encode(TEXTS))
    cosine = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
    assert cosine.min() > 1 - 1e-4, cosine
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)  # normalised, as before
    # batches pad rows to one length: a text's vector does not depend on its neighbours
    alone = np.array(embedder.encode([TEXTS[0]]))[0]
    assert float(alone @ ours[0]) > 1 - 1e-5


def test_a_collection_embedded_by_sentence_transformers_answers_onnx_queries(
    tmp_path, embedder, reference
):
    from advisor.rag.pipeline import RagPipeline
    from advisor.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    RagPipeline(settings, "old", embedder=reference).ingest([CORPUS / "support_faq.html"])
    now = RagPipeline(settings, "old", embedder=embedder)  # the same store, the new embedder
    hits = now.retrieve("What does error code E-217 mean?", 3, "dense")
    assert "propeller imbalance" in hits[0].chunk.text
    before = RagPipeline(settings, "old", embedder=reference).retrieve(
        "What does error code E-217 mean?", 3, "dense"
    )
    assert [h.chunk.id for h in hits] == [h.chunk.id for h in before]


def test_the_export_is_built_once_into_the_cache_and_named_by_the_weights(tmp_path):
    cache = tmp_path / "cache"
    first = onnx_folder(cache)
    assert first.parent == cache and (first / "model.onnx").exists()
    assert first.name.startswith("all-minilm-l6-v2-") and len(first.name.split("-")[-1]) > 8
    stamp = (first / "model.onnx").stat().st_mtime_ns
    assert onnx_folder(cache) == first
    assert (first / "model.onnx").stat().st_mtime_ns == stamp  # not built again
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temporary left
    assert MiniLMEmbedder(cache).encode(["hello"])[0]


HEAVY = ("torch", "transformers", "sentence_transformers")
ASK_PROBE = f"""
import sys
from click.testing import CliRunner
from advisor.cli import main
result = CliRunner().invoke(main, sys.argv[1:])
assert result.exit_code == 0, result.output
assert "Sources:" in result.output, result.output
print(",".join(m for m in {HEAVY!r} if m in sys.modules) or "none")
"""


def test_ask_without_generation_imports_no_torch(tmp_path, embedder):
    data = tmp_path / "data"
    done = run_cli("ingest", str(CORPUS / "sla.md"), "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    args = ["ask", "What credit applies below 99.0 percent?", "--no-generate"]
    out = subprocess.run(
        [sys.executable, "-c", ASK_PROBE, *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ADVISOR_DEVICE": "auto"},
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "none"


def test_the_cache_folder_is_the_setting_or_the_platforms(monkeypatch, tmp_path):
    from advisor.cache import default_cache_dir
    from advisor.settings import Settings

    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "mine"))
    assert Settings().model_cache == tmp_path / "mine"
    monkeypatch.delenv("ADVISOR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert Settings().model_cache == default_cache_dir() == tmp_path / "xdg" / "advisor"


def _cache_listing(cache) -> set[str]:
    return {str(p.relative_to(cache)) for p in cache.rglob("*")}


def test_ask_with_generation_imports_no_torch_and_a_fresh_data_dir_builds_nothing(
    tmp_path, model_dir
):
    # The first answer ever builds the models into the per-user cache (the warm-up); a
    # second data folder then answers its first question from that cache, building
    # nothing, and the whole command imports no torch, transformers or sentence-transformers.
    question = "What credit applies below 99.0 percent?"
    for name in ("warm", "fresh"):
        data = tmp_path / name
        done = run_cli("ingest", str(CORPUS / "sla.md"), "--data-dir", str(data))
        assert done.returncode == 0, done.stderr
        before = _cache_listing(model_dir)
        out = subprocess.run(
            [sys.executable, "-c", ASK_PROBE, "ask", question, "--data-dir", str(data)],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "ADVISOR_DEVICE": "auto", "ADVISOR_GENERATOR": "embedded"},
            cwd=ROOT,
        )
        assert out.returncode == 0, out.stderr[-2000:]
    # only the warm-up may have needed torch (to build a cold cache); the fresh folder did not
    assert out.stdout.strip().splitlines()[-1] == "none"
    assert _cache_listing(model_dir) == before  # the fresh data folder built nothing
