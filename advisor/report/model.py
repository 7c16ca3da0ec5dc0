"""What a report holds, gathered from the engine, the cost model and the demos."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

import advisor
from advisor.advice import cost_inputs, folder_prices, recommend
from advisor.costs.analysis import cost_report
from advisor.costs.measured import measured_training
from advisor.costs.prices import PriceSheet
from advisor.decision.loader import DECISION_FILE, PRICES_FILE, QUESTIONS_FILE, RuleSet
from advisor.decision.serialize import recommendation_dict
from advisor.errors import AdvisorError
from advisor.report.comparison import comparison_section

SCHEMA_VERSION = 2  # 2: the comparison and its measured evidence


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
    comparison: dict[str, Any] | None = None  # the workspace's comparison run, if any
    price_note: str | None = None  # the price sheet's age warning (PriceSheet.age_note)
    stamp: Stamp


def _sha256(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        if p.exists():
            h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def _show_quotes(rec: dict[str, Any], seeds: Path) -> None:
    """Give every rule's source the quote as a reader sees it (`shown`): a seed's table
    row with its header, a sentence as it is (advisor.decision.quotes)."""
    from advisor.decision.quotes import sentence

    for item in [*rec["fired"], *rec["ruled_out"]]:
        src = item["source"]
        src["shown"] = sentence(seeds, src["seed"], src["quote"])


def build_report(
    rules: RuleSet,
    given: dict[str, Any],
    prices: PriceSheet | None = None,
    months: int | None = None,
    rag_answers: list[Any] | None = None,
    lora_run: dict[str, Any] | None = None,
    cost_overrides: dict[str, Any] | None = None,
    comparison: Any = None,
) -> Report:
    """Everything the report shows, as plain data (the JSON format is this, dumped).

    The verdict's cost facts and the cost tables use one price sheet and one set of cost
    inputs, so a report never reasons with other numbers than it shows.
    """
    sheet = prices or folder_prices(rules)
    if sheet is None:
        raise AdvisorError(f"{rules.folder}: no {PRICES_FILE}; a report needs a price sheet")
    overrides = dict(cost_overrides or {})
    if months:
        overrides["horizon_months"] = months
    facts: dict[str, float] = {}
    if comparison is not None:  # the verdict and the report read the same run
        from advisor.compare.evidence import change_facts

        facts = change_facts(comparison)
    rec = recommend(rules, given, prices=sheet, cost_overrides=overrides, evidence=facts)
    inputs = cost_inputs(rules, given, **overrides)
    costs = cost_report(inputs, sheet)
    card = (getattr(comparison, "adapter", None) or {}) if comparison is not None else {}
    # the adapter's training, measured on this machine (never from a run cut short)
    if card.get("tokens_per_second") and not card.get("partial"):
        costs["measured_training"] = measured_training(
            inputs, sheet, str(card.get("run_id")), float(card["tokens_per_second"])
        )
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
        prices_sha256=hashlib.sha256(sheet.model_dump_json().encode()).hexdigest()[:16],
        price_sheet_date=sheet.as_of.isoformat(),
        models=models,
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    recommendation = recommendation_dict(rec)
    _show_quotes(recommendation, rules.folder / "seeds")
    return Report(
        recommendation=recommendation,
        costs=costs,
        rag_answers=answers,
        lora_run=lora_run,
        comparison=comparison_section(comparison, facts) if comparison is not None else None,
        price_note=sheet.age_note(),
        stamp=stamp,
    )
