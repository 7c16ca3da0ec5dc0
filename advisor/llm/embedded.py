"""The embedded backend: the base model (advisor.llm.base_model: the built-in SmolLM2 or
the user's own folder) answering in this process, one shared instance per process.

Answers come from the ONNX engine (advisor.llm.onnx_engine) built once into the model
cache from the base model's safetensors; transformers answers when ADVISOR_ENGINE=
transformers, on a GPU (the engine's wheel is CPU-only), and for a model of the user's
that the engine cannot build.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.llm import registry
from advisor.llm.base import Generation, Message
from advisor.llm.base_model import MODEL_ID, ModelRef, base_model_ref, load_base
from advisor.llm.device import dtype_for, resolve_device
from advisor.llm.hf_generate import BATCH as BATCH
from advisor.llm.hf_generate import _log_generation
from advisor.llm.hf_generate import generate_batch_with as generate_batch_with
from advisor.llm.hf_generate import generate_with as generate_with

log = logging.getLogger(__name__)


@registry.register(registry.EMBEDDED)
class EmbeddedGenerator:
    """The default backend: runs in this process, needs no server and no network."""

    description = (
        f"{MODEL_ID} (or your own base model) in this process: ONNX int8 on the CPU, "
        "transformers on a GPU; needs no server"
    )
    Options = registry.Options  # none: data folder, engine, model, device are settings
    needs_server = False
    can_batch = True
    name = f"embedded:{MODEL_ID}"

    def __init__(
        self,
        cache_dir: Path,
        dtype: str | None = None,
        engine: str = "onnx",
        base_model: ModelRef | Path | str | None = None,
        device: str = "cpu",
    ) -> None:
        self.ref = base_model_ref(base_model)
        self.name = f"embedded:{self.ref.model_id}"
        self.device = resolve_device(device)
        self.dtype = dtype or dtype_for(self.device)
        self.engine = engine_for(engine, self.device)
        self.onnx: Any = None
        self.tok: Any = None
        self.model: Any = None
        if self.engine == "onnx":
            self.onnx = onnx_model(
                self.ref.hf_dir(cache_dir), self.ref.onnx_dir(cache_dir), self.ref
            )
            if self.onnx is None:
                self.engine = "transformers"
        if self.engine == "transformers":
            self.tok, self.model = load_base(cache_dir, self.dtype, self.ref, self.device)
        self._lock = threading.Lock()  # one generate at a time on a shared model

    @classmethod
    def from_options(cls, options: registry.Options, settings: Any) -> EmbeddedGenerator:
        """The process-wide instance for the settings' cache, engine, model and device."""
        return shared(
            str(settings.model_cache),
            settings.engine,
            base_model=str(settings.base_model) if settings.base_model else None,
            device=settings.device,
        )

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation:
        with self._lock:
            if self.onnx is not None:
                return onnx_generate(self.onnx, messages, max_new_tokens, self.name)
            return generate_with(self.tok, self.model, messages, max_new_tokens, self.name)

    def generate_batch(
        self, messages_list: list[list[Message]], max_new_tokens: int = 160
    ) -> list[Generation]:
        """Answers in input order; see generate_batch_with for batching and timings.

        The ONNX engine answers one prompt at a time: single-stream it is already faster
        than transformers' batches of 8 (bench/engines.py).
        """
        if self.onnx is not None:
            return [self.generate(m, max_new_tokens) for m in messages_list]
        with self._lock:
            return generate_batch_with(
                self.tok, self.model, messages_list, max_new_tokens, self.name
            )


def shared(
    cache_dir: str, engine: str = "onnx", base_model: str | None = None, device: str = "cpu"
) -> EmbeddedGenerator:
    """One embedded model per process (cache, engine, base model, device), shared
    read-only by every pipeline, page and comparison."""
    return _shared(cache_dir, engine, base_model or None, resolve_device(device))


@lru_cache(maxsize=4)
def _shared(cache_dir: str, engine: str, base_model: str | None, device: str) -> EmbeddedGenerator:
    return EmbeddedGenerator(Path(cache_dir), engine=engine, base_model=base_model, device=device)


def engine_for(engine: str, device: str = "cpu") -> str:
    """The engine to use: ONNX when asked for, installed and on the CPU, else transformers."""
    if engine == "onnx":
        from advisor.llm.onnx_engine import available

        if device != "cpu":
            log.info(
                "the ONNX engine runs on the CPU only: answering with transformers on %s", device
            )
            return "transformers"
        if available():
            return "onnx"
        log.warning("onnxruntime-genai is not installed: answering with transformers")
        return "transformers"
    if engine != "transformers":
        raise AdvisorError(f"unknown engine {engine!r} (ADVISOR_ENGINE): onnx or transformers")
    return engine


def onnx_generate(onnx: Any, messages: list[Message], max_new_tokens: int, name: str) -> Generation:
    text, tokens, seconds = onnx.generate(messages, max_new_tokens)
    _log_generation(name, tokens, seconds)
    return Generation(text, name, tokens, seconds)


def onnx_model(hf_dir: Path, target: Path, ref: ModelRef) -> Any:
    """The engine's model of `hf_dir`; None (and a warning) when a user's model cannot be
    built, so it answers with transformers. The built-in model's build errors are raised."""
    from advisor.llm.onnx_engine import OnnxModel, build, try_build

    if ref.builtin:
        return OnnxModel(build(hf_dir, target))
    built = try_build(hf_dir, target)
    if built is None:
        return None
    try:
        return OnnxModel(built)
    except Exception as exc:  # the runtime refused what the builder wrote
        log.warning("%s: the ONNX engine could not load it (%s): answering with transformers",
                    hf_dir, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)  # fmt: skip
        return None
