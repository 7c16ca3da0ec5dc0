"""The embedded model with a LoRA adapter: the fine-tuned arm of the comparison."""

from __future__ import annotations

import logging
import threading
import time
import warnings
from pathlib import Path

from advisor.llm.adapters import read_run
from advisor.llm.base import Generation, Message
from advisor.llm.embedded import MODEL_ID, generate_batch_with, generate_with, load_base

log = logging.getLogger(__name__)


class LoraGenerator:
    """Base weights plus an adapter folder written by `advisor finetune`."""

    can_batch = True

    def __init__(self, adapter_dir: Path, data_dir: Path) -> None:
        self.run = read_run(adapter_dir, MODEL_ID)  # refuses unfinished or foreign adapters
        from peft import PeftModel

        self.name = f"lora:{adapter_dir.name}"
        self.tok, base = load_base(data_dir, dtype="float32")
        start = time.perf_counter()
        # Merged once into a fresh base copy: generation then runs at base-model speed.
        with warnings.catch_warnings():  # peft calls a transformers API that warns of v6
            warnings.simplefilter("ignore", FutureWarning)
            self.model = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
        self.model.eval()
        log.info("merged adapter %s in %.1f s", adapter_dir, time.perf_counter() - start)
        self._lock = threading.Lock()

    def generate(self, messages: list[Message], max_new_tokens: int = 96) -> Generation:
        with self._lock:
            return generate_with(self.tok, self.model, messages, max_new_tokens, self.name)

    def generate_batch(
        self, messages_list: list[list[Message]], max_new_tokens: int = 96
    ) -> list[Generation]:
        """Answers in input order; see embedded.generate_batch_with for batching and timings."""
        with self._lock:
            return generate_batch_with(
                self.tok, self.model, messages_list, max_new_tokens, self.name
            )
