"""The dated price sheet: every figure with its source, validated, and overridable."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import InputError, Problem
from advisor.yamlio import LineMap, load_yaml, validation_problems

GpuName = Literal["a100", "h100", "l4"]
ModelClass = Literal["large_api", "small_api", "small_api_finetuned"]


MAX_FIGURE = 1e9  # a billion per unit is past any price, rate or count on the sheet
STALE_AFTER_DAYS = 365  # older sheets get a warning wherever their totals are shown


class _Strict(BaseModel):
    # allow_inf_nan=False: `.inf`, `.nan` or 1e400 in a price file is an error naming it
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Figure(_Strict):
    """One number and where it comes from."""

    # bounded figures keep every cost finite (1e308 overflowed into inf and NaN)
    value: float = Field(ge=0, le=MAX_FIGURE)
    source: str = Field(min_length=3)


class ApiModel(_Strict):
    label: str
    input_per_1m_tokens: Figure
    output_per_1m_tokens: Figure


class SelfHosted(_Strict):
    label: str
    gpu: GpuName
    tokens_per_second: Figure
    utilisation: Figure


class Method(_Strict):
    gpus: Figure
    tokens_per_second_per_gpu: Figure


class Training(_Strict):
    gpu: GpuName
    full: Method
    lora: Method
    qlora: Method


class Engineering(_Strict):
    hourly_rate: Figure
    rag_build_hours: Figure
    fine_tune_setup_hours: Figure
    prompt_engineering_hours: Figure
    data_prep_hours_per_1000_examples: Figure
    evaluation_hours: Figure


class PriceSheet(_Strict):
    version: int = 1
    as_of: dt.date
    currency: str = "USD"
    embedding_per_1m_tokens: Figure
    llm: dict[ModelClass, ApiModel]
    api_training_per_1m_tokens: Figure
    self_hosted: SelfHosted
    vector_db_per_gb_month: Figure
    gpu_per_hour: dict[GpuName, Figure]
    training: Training
    engineering: Engineering

    def age_days(self, today: dt.date | None = None) -> int:
        return ((today or dt.date.today()) - self.as_of).days

    def age_note(self, today: dt.date | None = None) -> str | None:
        """A warning when the sheet is over a year old: the prices of hosted models change
        often, so old totals can mislead. The terminal, the Costs page and the report say
        it in these words."""
        days = self.age_days(today)
        if days <= STALE_AFTER_DAYS:
            return None
        return (
            f"The price sheet is {days // 30} months old (prices of {self.as_of}); check "
            "its sources or put in your own figures before relying on these totals."
        )


def figure_paths(sheet: PriceSheet) -> dict[str, float]:
    """Every figure's value by dotted path, e.g. `gpu_per_hour.a100`."""
    out: dict[str, float] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Figure):
            out[path] = node.value
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                walk(getattr(node, name), f"{path}.{name}" if path else name)
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")

    walk(sheet, "")
    return out


def with_values(
    sheet: PriceSheet, values: dict[str, float], source: str | None = None
) -> PriceSheet:
    """A copy of the sheet with some figures changed (paths as in `figure_paths`)."""
    data = sheet.model_dump()
    for path, value in values.items():
        node = data
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        node[last]["value"] = value
        if source:
            node[last]["source"] = source
    try:
        return PriceSheet.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"] if p != "value")
        raise InputError(Problem(err["msg"], source or "prices", field=where)) from None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_prices(path: Path | str, overrides: list[Path | str] = ()) -> PriceSheet:
    """Load the price sheet, then each override file on top (deep merge, same layout).

    A figure in an override may be a bare number (its source becomes the override file).
    """
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(Problem("price sheet must be a mapping", lines.file))
    blame: list[tuple[LineMap, dict[str, Any]]] = []
    for extra in overrides:
        more, more_lines = load_yaml(extra)
        if not isinstance(more, dict):
            raise InputError(Problem("price overrides must be a mapping", more_lines.file))
        more = _bare_numbers_to_figures(more, data, f"override file {more_lines.file}")
        blame.append((more_lines, more))
        data = _merge(data, more)
    try:
        return PriceSheet.model_validate(data)
    except ValidationError as exc:
        # Name the override file when the bad field came from it, else the sheet.
        problems = []
        for problem in validation_problems(exc, lines):
            owner = next(
                (bl for bl, d in reversed(blame) if problem.field and _has_path(d, problem.field)),
                None,
            )
            if owner is not None:
                problem = owner.problem(_split(problem.field), problem.message)
            problems.append(problem)
        raise InputError(problems) from None


def _split(field: str) -> list[str | int]:
    return [
        int(p) if p.isdigit() else p for p in field.replace("[", ".").replace("]", "").split(".")
    ]


def _has_path(data: Any, field: str) -> bool:
    node = data
    for part in _split(field):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def _bare_numbers_to_figures(over: dict[str, Any], base: Any, source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in over.items():
        target = base.get(key) if isinstance(base, dict) else None
        is_figure = isinstance(target, dict) and "value" in target and "source" in target
        if is_figure and isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = {"value": value, "source": source}
        elif isinstance(value, dict):
            out[key] = _bare_numbers_to_figures(value, target, source)
        else:
            out[key] = value
    return out


def split_assignment(item: str, option: str, shape: str = "NAME=VALUE") -> tuple[str, str]:
    """`name=value` from a command-line option, or an error naming the option."""
    name, sep, raw = item.partition("=")
    if not sep or not name.strip():
        raise InputError(Problem(f"expected {shape}, got {item!r}", option))
    return name.strip(), raw.strip()


def apply_settings(sheet: PriceSheet, assignments: list[str]) -> PriceSheet:
    """Apply `PATH=VALUE` overrides from the command line; errors name the path."""
    known = figure_paths(sheet)
    values: dict[str, float] = {}
    for item in assignments:
        path, raw = split_assignment(item, "--set", "PATH=VALUE")
        if path not in known:
            close = [k for k in known if k.split(".")[-1] == path.split(".")[-1]]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(Problem(f"unknown price figure{hint}", "--set", field=path))
        try:
            value = float(raw)
        except ValueError:
            raise InputError(
                Problem(f"expected a number, got {raw!r}", "--set", field=path)
            ) from None
        if not math.isfinite(value):  # inf, nan, and 1e400 (which float() makes inf)
            raise InputError(Problem(f"expected a finite number, got {raw!r}", "--set", field=path))
        if not 0 <= value <= MAX_FIGURE:
            raise InputError(
                Problem(f"must be from 0 to {MAX_FIGURE:,.0f}, got {raw}", "--set", field=path)
            )
        values[path] = value
    return with_values(sheet, values, "set on the command line") if values else sheet
