"""The embedded model with a LoRA adapter: the fine-tuned arm of the comparison."""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

from advisor.llm.base import Generation, Message
from advisor.llm.embedded import generate_with, load_base


class LoraGenerator:
    """Base weights plus an adapter folder written by `advisor finetune`."""

    def __init__(self, adapter_dir: Path, data_dir: Path) -> None:
        from peft import PeftModel

        from advisor.finetune.train import read_run

        self.run = read_run(adapter_dir)  # refuses unfinished or foreign adapters
        self.name = f"lora:{adapter_dir.name}"
        self.tok, base = load_base(data_dir, dtype="float32")
        # Merged once into a fresh base copy: generation then runs at base-model speed.
        with warnings.catch_warnings():  # peft calls a transformers API that warns of v6
            warnings.simplefilter("ignore", FutureWarning)
            self.model = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
        self.model.eval()
        self._lock = threading.Lock()

    def generate(self, messages: list[Message], max_new_tokens: int = 96) -> Generation:
        with self._lock:
            return generate_with(self.tok, self.model, messages, max_new_tokens, self.name)
