"""The embedded model with a LoRA adapter: the fine-tuned arm of the comparison."""

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
from advisor.llm.embedded import (
    MODEL_ID,
    engine_for,
    generate_batch_with,
    generate_with,
    load_base,
    onnx_generate,
)

log = logging.getLogger(__name__)


def merge(adapter_dir: Path, data_dir: Path) -> tuple[Any, Any]:
    """Tokenizer and a fresh base copy with the adapter merged into its weights."""
    from peft import PeftModel

    tok, base = load_base(data_dir, dtype="float32")
    start = time.perf_counter()
    with warnings.catch_warnings():  # peft calls a transformers API that warns of v6
        warnings.simplefilter("ignore", FutureWarning)
        model = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    model.eval()
    log.info("merged adapter %s in %.1f s", adapter_dir, time.perf_counter() - start)
    return tok, model


def merged_onnx(adapter_dir: Path, data_dir: Path) -> Path:
    """The merged model as an ONNX model, built once and kept in the adapter's folder."""
    from advisor.llm.onnx_engine import MARKER, PRECISION, build

    target = adapter_dir / f"merged.onnx-{PRECISION}"
    if (target / MARKER).exists():
        return target
    tok, model = merge(adapter_dir, data_dir)
    tmp = Path(tempfile.mkdtemp(prefix=".merged-", dir=adapter_dir))
    try:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        return build(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # 0.5 GB of fp32 the engine no longer needs


class LoraGenerator:
    """Base weights plus an adapter folder written by `advisor finetune`.

    The adapter is merged into a base copy once, so generation runs at base-model speed;
    with the ONNX engine the merged model is converted too, so both arms share one engine.
    """

    can_batch = True

    def __init__(self, adapter_dir: Path, data_dir: Path, engine: str = "onnx") -> None:
        self.run = read_run(adapter_dir, MODEL_ID)  # refuses unfinished or foreign adapters
        self.name = f"lora:{adapter_dir.name}"
        self.engine = engine_for(engine)
        self.onnx: Any = None
        if self.engine == "onnx":
            from advisor.llm.onnx_engine import OnnxModel

            self.onnx = OnnxModel(merged_onnx(adapter_dir, data_dir))
        else:
            self.tok, self.model = merge(adapter_dir, data_dir)
        self._lock = threading.Lock()

    def generate(self, messages: list[Message], max_new_tokens: int = 96) -> Generation:
        with self._lock:
            if self.onnx is not None:
                return onnx_generate(self.onnx, messages, max_new_tokens, self.name)
            return generate_with(self.tok, self.model, messages, max_new_tokens, self.name)

    def generate_batch(
        self, messages_list: list[list[Message]], max_new_tokens: int = 96
    ) -> list[Generation]:
        """Answers in input order; see embedded.generate_batch_with for batching and timings."""
        if self.onnx is not None:
            return [self.generate(m, max_new_tokens) for m in messages_list]
        with self._lock:
            return generate_batch_with(
                self.tok, self.model, messages_list, max_new_tokens, self.name
            )
