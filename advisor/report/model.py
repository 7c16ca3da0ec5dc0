"""What a report holds, gathered from the engine, the cost model and the demos."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

import advisor
from advisor.costs.analysis import cost_report
from advisor.costs.inputs import inputs_from_answers
from advisor.costs.prices import PriceSheet
from advisor.decision.engine import advise
from advisor.decision.loader import DECISION_FILE, PRICES_FILE, QUESTIONS_FILE, RuleSet
from advisor.decision.questions import resolve
from advisor.decision.serialize import recommendation_dict

SCHEMA_VERSION = 1


class Stamp(BaseModel):
    """Enough to reproduce the report: versions, input hashes, models, time."""

    advisor_version: str
    rules_sha256: str
    prices_sha256: str
    price_sheet_date: str
    models: dict[str, str]
    generated_at: str


class Report(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    schema_version: int = SCHEMA_VERSION
    title: str = "RAG or fine-tuning: recommendation"
    recommendation: dict[str, Any]
    costs: dict[str, Any]
    rag_answers: list[dict[str, Any]] = []
    lora_run: dict[str, Any] | None = None
    stamp: Stamp


def _sha256(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        if p.exists():
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def build_report(
    rules: RuleSet,
    given: dict[str, Any],
    prices: PriceSheet | None = None,
    months: int | None = None,
    rag_answers: list[Any] | None = None,
    lora_run: dict[str, Any] | None = None,
    prices_path: Path | None = None,
) -> Report:
    """Everything the report shows, as plain data (the JSON format is this, dumped)."""
    sheet = prices or rules.prices
    if sheet is None:
        from advisor.errors import AdvisorError

        raise AdvisorError(f"{rules.folder}: no {PRICES_FILE}; a report needs a price sheet")
    rec = advise(rules, given)
    values = resolve(rules.questionnaire, given, rules.derive).values
    overrides = {"horizon_months": months} if months else {}
    costs = cost_report(inputs_from_answers(values, **overrides), sheet)
    models = {
        "embedding": "sentence-transformers/all-MiniLM-L6-v2",
        "generator": "SmolLM2-135M-Instruct (Q4_1 GGUF, de-quantized)",
    }
    answers = [asdict(a) if not isinstance(a, dict) else a for a in rag_answers or []]
    for a in answers:
        models.setdefault("rag_backend", a.get("backend", ""))
    stamp = Stamp(
        advisor_version=advisor.__version__,
        rules_sha256=_sha256([rules.folder / QUESTIONS_FILE, rules.folder / DECISION_FILE]),
        prices_sha256=_sha256([prices_path or rules.folder / PRICES_FILE]),
        price_sheet_date=sheet.as_of.isoformat(),
        models=models,
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    return Report(
        recommendation=recommendation_dict(rec),
        costs=costs,
        rag_answers=answers,
        lora_run=lora_run,
        stamp=stamp,
    )
