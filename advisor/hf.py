"""Hugging Face libraries, quiet and offline: shared by the embedder and the generators."""

from __future__ import annotations

import os


def quiet_hf() -> None:
    """Offline, and no progress bars or warnings from Hugging Face libraries on our output."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
