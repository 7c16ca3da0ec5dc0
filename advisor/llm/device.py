"""Which device the models run on: one setting (ADVISOR_DEVICE, --device) for embedding,
re-ranking, generation with transformers and LoRA training.

`auto` takes CUDA when torch sees a GPU, then Apple's MPS, then the CPU. A GPU that
supports bfloat16 computes in it; everything else stays in float32 (on the CPU bfloat16
fills a long RAG prompt about 3x slower, see bench/generate.py). Naming "cpu" imports no
torch.
"""

from __future__ import annotations

import logging
import os
import platform
from functools import lru_cache

from advisor.errors import AdvisorError

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda", "mps")
WHERE = "ADVISOR_DEVICE or --device"


def _may_have_gpu() -> bool:
    """Whether asking torch is worth it: an NVIDIA or AMD driver node, or Apple silicon."""
    if platform.system() == "Darwin":
        return platform.machine() == "arm64"
    return any(
        os.path.exists(p) for p in ("/proc/driver/nvidia/version", "/dev/nvidia0", "/dev/kfd")
    )


@lru_cache(maxsize=8)
def resolve_device(requested: str = "auto") -> str:
    """`cpu`, `cuda` or `mps`: what `requested` means on this machine; one line when absent."""
    name = (requested or "auto").strip().lower()
    if name not in DEVICES:
        raise AdvisorError(
            f"unknown device {requested!r} ({WHERE}); choose from {', '.join(DEVICES)}"
        )
    if name == "cpu" or (name == "auto" and not _may_have_gpu()):
        return "cpu"  # without importing torch (4 s): the query path runs on onnxruntime
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if name == "auto":
        chosen = "cuda" if cuda else "mps" if mps else "cpu"
        log.info("device auto: %s", chosen)
        return chosen
    if name == "cuda" and not cuda:
        raise AdvisorError(
            f"device 'cuda' ({WHERE}) is not available: torch {torch.__version__} sees no CUDA "
            "GPU here; use --device cpu or auto"
        )
    if name == "mps" and not mps:
        raise AdvisorError(
            f"device 'mps' ({WHERE}) is not available: torch {torch.__version__} sees no Apple "
            "GPU here; use --device cpu or auto"
        )
    return name


@lru_cache(maxsize=8)
def dtype_for(device: str) -> str:
    """The torch dtype name models use on a resolved `device`: bfloat16 where a CUDA GPU
    supports it, float32 everywhere else."""
    if device == "cuda":
        import torch

        if torch.cuda.is_bf16_supported():
            return "bfloat16"
    return "float32"


def _cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX); Linux only."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


@lru_cache(maxsize=8)
def train_dtype(device: str) -> str:
    """The dtype LoRA training holds the base weights in: as `dtype_for`, and bfloat16 on
    a CPU that computes it natively. Training is a forward and a backward pass over short
    sequences, where bfloat16 ran 1.8x faster on such a CPU with the same losses (to two
    decimals); the adapter's own weights stay float32 (peft upcasts them)."""
    if device == "cpu" and _cpu_has_bf16():
        return "bfloat16"
    return dtype_for(device)


def describe(requested: str = "auto") -> dict[str, str]:
    """What a run card or a comparison records: the resolved device and its dtype."""
    device = resolve_device(requested)
    return {"device": device, "dtype": dtype_for(device)}


def empty_cache(device: str) -> None:
    """Give a GPU's cached blocks back (between benchmark runs); nothing on the CPU."""
    if device == "cuda":
        import torch

        torch.cuda.empty_cache()
