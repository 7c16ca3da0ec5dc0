"""Settings from the environment (prefix ADVISOR_); every default works offline."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repo root holds rules/ next to advisor/; a wheel carries them as advisor/_rules.
_PACKAGE = Path(__file__).resolve().parent


def builtin_rules_dir() -> Path:
    """The rules folder that ships with the project."""
    bundled = _PACKAGE / "_rules"
    return bundled if bundled.is_dir() else _PACKAGE.parent / "rules"


class Settings(BaseSettings):
    """Where things live; override any field with ADVISOR_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", extra="ignore")

    rules_dir: Path = Field(default_factory=builtin_rules_dir)
    data_dir: Path = Path("data")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
