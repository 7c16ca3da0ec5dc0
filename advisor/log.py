"""Logging: quiet by default, one setting (ADVISOR_LOG_LEVEL or -v) to see what is slow."""

from __future__ import annotations

import logging
import os

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def configure(level: str | None = None) -> str:
    """Send the package's log records to stderr at `level` (default: the setting)."""
    chosen = (level or os.environ.get("ADVISOR_LOG_LEVEL") or "WARNING").upper()
    if chosen not in LEVELS:
        chosen = "WARNING"
    logger = logging.getLogger("advisor")
    if not any(getattr(h, "_advisor", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT, "%H:%M:%S"))
        handler._advisor = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False  # Streamlit and pytest configure the root logger
    logger.setLevel(chosen)
    return chosen
