"""The base model with a LoRA adapter: the fine-tuned arm of the comparison."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from advisor.llm.adapters import read_run
from advisor.llm.base import Generation, Message
from advisor.llm.base_model import ModelRef, base_model_ref, load_base
from advisor.llm.device import dtype_for, resolve_device
from advisor.llm.embedded import engine_for, onnx_generate
from advisor.llm.hf_generate import generate_batch_with, generate_with

log = logging.getLogger(__name__)


def merge(
    adapter_dir: Path,
    cache_dir: Path,
    base_model: ModelRef | Path | str | None = None,
    device: str = "cpu",
    dtype: str | None = "float32",
) -> tuple[Any, Any]:
    """Tokenizer and a fresh base copy with the adapter merged into its weights."""
    from peft import PeftModel

    tok, base = load_base(cache_dir, dtype, base_model, device)
    start = time.perf_counter()
    with warnings.catch_warnings():  # peft calls a transformers API that warns of v6
        warnings.simplefilter("ignore", FutureWarning)
        model = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    model.eval()
    log.info("merged adapter %s in %.1f s", adapter_dir, time.perf_counter() - start)
    return tok, model


def merged_onnx(
    adapter_dir: Path, cache_dir: Path, base_model: ModelRef | Path | str | None = None
) -> Path | None:
    """The merged model as an ONNX model, built once and kept in the adapter's folder.

    None (with a warning) when the engine cannot build a user's base model's architecture;
    the built-in model's build errors are raised.
    """
    from advisor.llm.onnx_engine import MARKER, PRECISION, build, known_failure, try_build

    ref = base_model_ref(base_model)
    target = adapter_dir / f"merged.onnx-{PRECISION}"
    if (target / MARKER).exists():
        return target
    reason = None if ref.builtin else known_failure(target)
    if reason is not None:  # no merge just to fail again
        log.warning("%s: %s (before): answering with transformers", adapter_dir, reason)
        return None
    tok, model = merge(adapter_dir, cache_dir, ref)
    tmp = Path(tempfile.mkdtemp(prefix=".merged-", dir=adapter_dir))
    try:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        return build(tmp, target) if ref.builtin else try_build(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # fp32 weights the engine no longer needs


class LoraGenerator:
    """Base weights plus an adapter folder written by `advisor finetune`.

    The adapter is merged into a base copy once, so generation runs at base-model speed;
    with the ONNX engine the merged model is converted too, so both arms share one engine.
    The adapter must have been trained on `base_model` (None: the built-in model).
    """

    can_batch = True

    def __init__(
        self,
        adapter_dir: Path,
        cache_dir: Path,
        engine: str = "onnx",
        base_model: ModelRef | Path | str | None = None,
        device: str = "cpu",
    ) -> None:
        self.ref = base_model_ref(base_model)
        self.run = read_run(adapter_dir, self.ref.model_id)  # refuses unfinished or foreign
        self.name = f"lora:{adapter_dir.name}" + (
            "" if self.ref.builtin else f" on {self.ref.model_id}"
        )
        self.device = resolve_device(device)
        self.dtype = dtype_for(self.device)
        self.engine = engine_for(engine, self.device)
        self.onnx: Any = None
        if self.engine == "onnx":
            from advisor.llm.onnx_engine import OnnxModel

            built = merged_onnx(adapter_dir, cache_dir, self.ref)
            self.onnx = OnnxModel(built) if built is not None else None
            self.engine = "onnx" if built is not None else "transformers"
        if self.engine == "transformers":
            self.tok, self.model = merge(adapter_dir, cache_dir, self.ref, self.device, self.dtype)
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, adapter_dir: Path, settings: Any) -> LoraGenerator:
        """The adapter on the settings' base model, engine and device."""
        return cls(
            Path(adapter_dir),
            settings.model_cache,
            settings.engine,
            settings.base_model,
            settings.device,
        )

    def generate(self, messages: list[Message], max_new_tokens: int = 96) -> Generation:
        with self._lock:
            if self.onnx is not None:
                return onnx_generate(self.onnx, messages, max_new_tokens, self.name)
            return generate_with(self.tok, self.model, messages, max_new_tokens, self.name)

    def generate_batch(
        self, messages_list: list[list[Message]], max_new_tokens: int = 96
    ) -> list[Generation]:
        """Answers in input order; see hf_generate.generate_batch_with for batching."""
        if self.onnx is not None:
            return [self.generate(m, max_new_tokens) for m in messages_list]
        with self._lock:
            return generate_batch_with(
                self.tok, self.model, messages_list, max_new_tokens, self.name
            )
