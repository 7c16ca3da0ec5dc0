"""The `advisor` command: a thin face over the package. Errors print on one line, exit 2."""

from __future__ import annotations

import functools
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from advisor.errors import AdvisorError

EXIT_USAGE = 2


def _friendly_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Print our errors as `error: file:line: field: message` and exit 2, no traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AdvisorError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_USAGE)

    return wrapper


def _rules_dir(rules: Path | None) -> Path:
    from advisor.settings import get_settings

    return rules if rules is not None else get_settings().rules_dir


_rules_option = click.option(
    "--rules",
    type=click.Path(path_type=Path),
    default=None,
    help="Rules folder (questions.yaml, decision.yaml). Default: ADVISOR_RULES_DIR or the built-in rules.",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="advisor")
def main() -> None:
    """Should you use RAG, fine-tune, do both, or fix the prompt?"""


@main.command()
@_rules_option
@_json_option
@_friendly_errors
def questions(rules: Path | None, as_json: bool) -> None:
    """List the questionnaire: ids, types, allowed values, defaults, follow-ups."""
    from advisor.decision.loader import load_rules

    rs = load_rules(_rules_dir(rules))
    if as_json:
        data = rs.questionnaire.model_dump(mode="json", by_alias=True, exclude_none=True)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    titles = {s.id: s.title for s in rs.questionnaire.sections}
    section = None
    for q in rs.questionnaire.questions:
        if q.section != section:
            section = q.section
            click.secho(f"\n{titles[section]}", bold=True)
        follow = "  (follow-up)" if q.ask_when else ""
        click.echo(f"  {q.id}{follow}: {q.text}")
        if q.type in ("single", "multi"):
            kind = "one of" if q.type == "single" else "any of"
            click.echo(f"      {kind}: {', '.join(q.values)}")
        elif q.type == "number":
            click.echo(f"      number {q.min:,g} to {q.max:,g} {q.unit}".rstrip())
        else:
            click.echo("      yes or no")
        click.echo(f"      default: {q.label_of(q.default)}")


@main.command()
@click.argument("answers_file", metavar="ANSWERS.yaml", type=click.Path(path_type=Path))
@_rules_option
@_json_option
@_friendly_errors
def advise(answers_file: Path, rules: Path | None, as_json: bool) -> None:
    """Recommend an approach for the answers in ANSWERS.yaml (question id -> value)."""
    from advisor.decision.answers_file import load_answers
    from advisor.decision.engine import advise as run_advise
    from advisor.decision.loader import load_rules

    rs = load_rules(_rules_dir(rules))
    given = load_answers(rs.questionnaire, answers_file)
    rec = run_advise(rs, given)
    if as_json:
        from advisor.decision.serialize import recommendation_dict

        click.echo(json.dumps(recommendation_dict(rec), indent=2, ensure_ascii=False))
    else:
        from advisor.decision.text import render_text

        click.echo(render_text(rec))


@main.command()
@click.argument("answers_file", metavar="ANSWERS.yaml", type=click.Path(path_type=Path))
@click.option(
    "--prices",
    "price_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="YAML overrides merged onto the price sheet (bare numbers allowed). Repeatable.",
)
@click.option("--months", type=int, default=None, help="Horizon in months (default 24).")
@click.option(
    "--set",
    "set_prices",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override one price figure, e.g. gpu_per_hour.a100=2.5. Repeatable.",
)
@click.option(
    "--input",
    "set_inputs",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override one cost input, e.g. tokens_per_document=3000. Repeatable.",
)
@_rules_option
@_json_option
@_friendly_errors
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
    from advisor.costs.analysis import cost_report
    from advisor.costs.inputs import inputs_from_answers, parse_assignments
    from advisor.costs.prices import apply_settings, load_prices
    from advisor.costs.text import render_costs
    from advisor.decision.answers_file import load_answers
    from advisor.decision.loader import load_rules
    from advisor.decision.questions import resolve

    folder = _rules_dir(rules)
    rs = load_rules(folder)
    values = resolve(rs.questionnaire, load_answers(rs.questionnaire, answers_file)).values
    sheet = apply_settings(load_prices(folder / "prices.yaml", list(price_files)), list(set_prices))
    overrides = parse_assignments(list(set_inputs))
    if months is not None:
        overrides["horizon_months"] = months
    report = cost_report(inputs_from_answers(values, **overrides), sheet)
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(render_costs(report, sheet.age_days()))


@main.command()
@click.argument("answers_file", metavar="ANSWERS.yaml", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="FILE.html, FILE.md, FILE.json or FILE.pdf: the extension picks the format.",
)
@click.option(
    "--prices",
    "price_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="YAML overrides merged onto the price sheet. Repeatable.",
)
@click.option("--months", type=int, default=None, help="Cost horizon in months (default 24).")
@_rules_option
@_friendly_errors
def report(
    answers_file: Path,
    out: Path,
    price_files: tuple[Path, ...],
    months: int | None,
    rules: Path | None,
) -> None:
    """Write the recommendation report (answers, verdict, reasons, costs, stamp)."""
    from advisor.costs.prices import load_prices
    from advisor.decision.answers_file import load_answers
    from advisor.decision.loader import load_rules
    from advisor.errors import InputError, Problem
    from advisor.report.model import build_report
    from advisor.report.render import FORMATS, render

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(
            Problem(
                f"unknown report format '{out.suffix}'; use {', '.join('.' + f for f in FORMATS)}",
                str(out),
            )
        )
    folder = _rules_dir(rules)
    rs = load_rules(folder)
    given = load_answers(rs.questionnaire, answers_file)
    sheet = load_prices(folder / "prices.yaml", list(price_files)) if price_files else None
    data = render(build_report(rs, given, sheet, months), fmt)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(Problem(f"cannot write: {exc.strerror}", str(out))) from None
    click.echo(f"Wrote {out} ({len(data):,} bytes).")


@main.command("check-rules")
@_rules_option
@_json_option
@_friendly_errors
def check_rules(rules: Path | None, as_json: bool) -> None:
    """Validate the rule files and run every example they carry; exit 2 on any failure."""
    from advisor.decision.check import run_examples
    from advisor.decision.loader import load_rules
    from advisor.errors import InputError

    folder = _rules_dir(rules)
    try:
        rs = load_rules(folder)
    except InputError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "problems": [str(p) for p in exc.problems]}))
        else:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
        sys.exit(EXIT_USAGE)
    results = run_examples(rs)
    failed = [r for r in results if not r.passed]
    where = rs.decision_lines.file
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": not failed,
                    "rules": len(rs.book.rules),
                    "questions": len(rs.questionnaire.questions),
                    "examples": [
                        {
                            "name": r.name,
                            "line": r.line,
                            "passed": r.passed,
                            "expected": r.expected,
                            "got": r.got,
                            "failures": r.failures,
                        }
                        for r in results
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for r in failed:
            click.echo(f"FAIL {where}:{r.line}: {r.name}: {'; '.join(r.failures)}", err=True)
        click.echo(
            f"{len(rs.questionnaire.questions)} questions, {len(rs.book.rules)} rules, "
            f"{len(results) - len(failed)} of {len(results)} examples pass"
        )
    if failed:
        sys.exit(EXIT_USAGE)


@main.command("init-rules")
@click.argument("folder", type=click.Path(path_type=Path))
@_friendly_errors
def init_rules(folder: Path) -> None:
    """Copy the built-in rules to FOLDER, to edit into your organisation's policy."""
    from advisor.errors import InputError, Problem
    from advisor.settings import builtin_rules_dir

    if folder.exists() and any(folder.iterdir()):
        raise InputError(Problem("folder exists and is not empty; choose a new one", str(folder)))
    shutil.copytree(builtin_rules_dir(), folder, dirs_exist_ok=True)
    click.echo(f"Copied the built-in rules to {folder}. Edit them, then run:")
    click.echo(f"  advisor check-rules --rules {folder}")


def _register_rag() -> None:
    from advisor import cli_finetune, cli_rag

    cli_rag.register(main, _friendly_errors)
    cli_finetune.register(main, _friendly_errors)


_register_rag()

if __name__ == "__main__":  # pragma: no cover
    main()
