"""The base model every arm answers with and LoRA trains on: the built-in SmolLM2, or a
local Hugging Face folder of the user's own (ADVISOR_BASE_MODEL, --base-model PATH).

A folder is checked before anything loads it: a config.json whose architecture is a
causal language model (transformers' own causal-LM mapping), weights and a tokenizer.
Its identity, recorded in an adapter's run.json and checked when the adapter loads, is
the folder's name and a digest of its config and the ends of its weight files: an adapter
follows its base model when the folder moves, and is refused on any other.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError

WHERE = "ADVISOR_BASE_MODEL or --base-model"
WEIGHTS = ("*.safetensors", "*.bin", "*.pt")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "tokenizer_config.json")
_EDGE = 1 << 20  # bytes read from each end of a weight file for the identity


@dataclass(frozen=True)
class ModelRef:
    """A base model: its identity and, for the user's own, its folder."""

    model_id: str
    path: Path | None = None  # None: the built-in model, de-quantized under the data folder

    @property
    def builtin(self) -> bool:
        return self.path is None

    def hf_dir(self, data_dir: Path) -> Path:
        """The Hugging Face folder transformers loads (the built-in's is written once)."""
        if self.path is not None:
            return self.path
        from advisor.llm.embedded import cached_model_dir

        return cached_model_dir(data_dir)

    def onnx_dir(self, data_dir: Path) -> Path:
        """Where the ONNX engine's copy lives: the user's folder is never written to."""
        from advisor.llm.onnx_engine import PRECISION, onnx_dir_for

        if self.path is None:
            return onnx_dir_for(self.hf_dir(data_dir))
        slug = self.model_id.replace("@", "-")
        return data_dir / "models" / f"{slug}.onnx-{PRECISION}"

    def record(self) -> dict[str, Any]:
        """What a run card keeps: the identity, and the folder of a user's model."""
        return {
            "base_model": self.model_id,
            "base_model_path": str(self.path) if self.path else None,
        }


def builtin_model() -> ModelRef:
    from advisor.llm.embedded import MODEL_ID  # a constant: loads no model

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
