"""`advisor costs | report`: the cost estimate and the recommendation report."""

from __future__ import annotations

import json
from pathlib import Path

import click

from advisor.cli.base import (
    cost_overrides,
    evidence_option,
    input_option,
    json_option,
    main,
    months_option,
    prices_option,
    rules_dir,
    rules_option,
    set_option,
)

answers_argument = click.argument(
    "answers_file", metavar="ANSWERS.yaml", type=click.Path(path_type=Path)
)


@main.command()
@answers_argument
@prices_option
@months_option
@set_option
@input_option
@rules_option
@json_option
def costs(
    answers_file: Path,
    price_files: tuple[Path, ...],
    months: int | None,
    set_prices: tuple[str, ...],
    set_inputs: tuple[str, ...],
    rules: Path | None,
    as_json: bool,
) -> None:
    """One-time, monthly and cumulative cost per approach, break-even and sensitivity."""
    from advisor.advice import cost_inputs, price_sheet
    from advisor.costs.analysis import cost_report
    from advisor.costs.text import render_costs
    from advisor.decision.answers_file import load_answers
    from advisor.decision.loader import PRICES_FILE, load_rules
    from advisor.errors import AdvisorError

    rs = load_rules(rules_dir(rules))
    given = load_answers(rs.questionnaire, answers_file)
    sheet = price_sheet(rs, files=price_files, assignments=set_prices)
    if sheet is None:
        raise AdvisorError(f"{rs.folder}: no {PRICES_FILE}; costs need a price sheet")
    report = cost_report(cost_inputs(rs, given, **cost_overrides(set_inputs, months)), sheet)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(render_costs(report, sheet.age_note()))


@main.command()
@answers_argument
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="FILE.html, FILE.md, FILE.json or FILE.pdf: the extension picks the format.",
)
@prices_option
@months_option
@set_option
@input_option
@rules_option
@evidence_option
def report(
    answers_file: Path,
    out: Path,
    price_files: tuple[Path, ...],
    months: int | None,
    set_prices: tuple[str, ...],
    set_inputs: tuple[str, ...],
    rules: Path | None,
    evidence_file: Path | None,
) -> None:
    """Write the recommendation report (answers, verdict, reasons, costs, stamp)."""
    from advisor.advice import load_evidence, price_sheet
    from advisor.decision.answers_file import load_answers
    from advisor.decision.loader import load_rules
    from advisor.errors import InputError, Problem
    from advisor.report.model import build_report
    from advisor.report.render import FORMATS, render

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        known = ", ".join("." + f for f in FORMATS)
        raise InputError(Problem(f"unknown report format '{out.suffix}'; use {known}", str(out)))
    rs = load_rules(rules_dir(rules))
    given = load_answers(rs.questionnaire, answers_file)
    sheet = price_sheet(rs, files=price_files, assignments=set_prices)
    overrides = cost_overrides(set_inputs, months)
    run = load_evidence(evidence_file)[0] if evidence_file is not None else None
    built = build_report(rs, given, sheet, cost_overrides=overrides, comparison=run)
    data = render(built, fmt)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(Problem(f"cannot write: {exc.strerror}", str(out))) from None
    click.echo(f"Wrote {out} ({len(data):,} bytes).")
