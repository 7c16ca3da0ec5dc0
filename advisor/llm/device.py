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


def describe(requested: str = "auto") -> dict[str, str]:
    """What a run card or a comparison records: the resolved device and its dtype."""
    device = resolve_device(requested)
    return {"device": device, "dtype": dtype_for(device)}


def empty_cache(device: str) -> None:
    """Give a GPU's cached blocks back (between benchmark runs); nothing on the CPU."""
    if device == "cuda":
        import torch

        torch.cuda.empty_cache()
