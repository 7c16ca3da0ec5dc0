"""Where the rules folder is, known without building the settings: `advisor advise` needs
only this, and importing pydantic-settings would be a third of its start-up."""

from __future__ import annotations

import os
from pathlib import Path

# The repo root holds rules/ next to advisor/; a wheel carries them as advisor/_rules.
_PACKAGE = Path(__file__).resolve().parent
RULES_ENV = "ADVISOR_RULES_DIR"


def builtin_rules_dir() -> Path:
    """The rules folder that ships with the project."""
    bundled = _PACKAGE / "_rules"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "rules"


def rules_dir(given: Path | None = None) -> Path:
    """The rules folder to use: the one given, else ADVISOR_RULES_DIR, else the built-in one;
    the same answer as `Settings().rules_dir`, whose environment names are not
    case-sensitive either (tests/test_cli_commands.py compares the two)."""
    if given is not None:
        return given
    for name, value in os.environ.items():
        if name.upper() == RULES_ENV:
            return Path(value)
    return builtin_rules_dir()
