"""Plain-data views of engine results, for JSON output and reports."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel

from advisor.decision.engine import Recommendation
from advisor.decision.text import starting_point_text


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def recommendation_dict(rec: Recommendation) -> dict[str, Any]:
    """The recommendation as JSON-ready data (the `advisor advise --json` contract)."""
    data = _plain(asdict(rec))
    data["scores"] = {k: round(v, 4) for k, v in rec.scores.items()}
    # What the app, the terminal and the report say instead of shares when nothing weighs
    data["starting_point_text"] = starting_point_text(rec) if rec.starting_point else None
    for flip in data["flips"]:
        flip["scores"] = {k: round(v, 4) for k, v in flip["scores"].items()}
    return data
