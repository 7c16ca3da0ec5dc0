"""`advisor questions | advise | check-rules | init-rules`: the decision rules."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import click

from advisor.cli.base import (
    EXIT_USAGE,
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


@main.command()
@rules_option
@json_option
def questions(rules: Path | None, as_json: bool) -> None:
    """List the questionnaire: ids, types, allowed values, defaults, follow-ups."""
    from advisor.decision.loader import load_rules

    rs = load_rules(rules_dir(rules))
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
        if q.default is not None:
            click.echo(f"      unanswered: assumed {q.label_of(q.default)} for costs only")


@main.command()
@click.argument("answers_file", metavar="ANSWERS.yaml", type=click.Path(path_type=Path))
@prices_option
@months_option
@set_option
@input_option
@rules_option
@evidence_option
@json_option
def advise(
    answers_file: Path,
    price_files: tuple[Path, ...],
    months: int | None,
    set_prices: tuple[str, ...],
    set_inputs: tuple[str, ...],
    rules: Path | None,
    evidence_file: Path | None,
    as_json: bool,
) -> None:
    """Recommend an approach for the answers in ANSWERS.yaml (question id -> value).

    Price options change the cost facts the rules test, exactly as in `advisor costs`.
    """
    from advisor.advice import load_evidence, price_sheet, recommend
    from advisor.decision.answers_file import load_answers
    from advisor.decision.loader import load_rules

    rs = load_rules(rules_dir(rules))
    given = load_answers(rs.questionnaire, answers_file)
    sheet = price_sheet(rs, files=price_files, assignments=set_prices)
    facts = load_evidence(evidence_file)[1] if evidence_file is not None else None
    overrides = cost_overrides(set_inputs, months)
    rec = recommend(rs, given, prices=sheet, cost_overrides=overrides, evidence=facts)
    if as_json:
        from advisor.decision.serialize import recommendation_dict

        click.echo(json.dumps(recommendation_dict(rec), indent=2, ensure_ascii=False))
    else:
        from advisor.decision.text import render_text

        click.echo(render_text(rec))


@main.command("check-rules")
@rules_option
@json_option
def check_rules(rules: Path | None, as_json: bool) -> None:
    """Validate the rule files and run every example they carry; exit 2 on any failure."""
    from advisor.advice import bind_facts, load_folder
    from advisor.decision.check import run_examples
    from advisor.errors import InputError
    from advisor.terminal import visible

    folder = rules_dir(rules)
    try:
        rs = load_folder(folder).rules
    except InputError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "problems": [str(p) for p in exc.problems]}))
        else:
            for problem in exc.problems:
                click.echo(f"error: {visible(problem)}", err=True)
        sys.exit(EXIT_USAGE)
    results = run_examples(rs, bind_facts(rs))
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
            failures = visible("; ".join(r.failures))
            click.echo(f"FAIL {where}:{r.line}: {visible(r.name)}: {failures}", err=True)
        click.echo(
            f"{len(rs.questionnaire.questions)} questions, {len(rs.book.rules)} rules, "
            f"{len(results) - len(failed)} of {len(results)} examples pass"
        )
    if failed:
        sys.exit(EXIT_USAGE)


@main.command("init-rules")
@click.argument("folder", type=click.Path(path_type=Path))
def init_rules(folder: Path) -> None:
    """Copy the built-in rules to FOLDER, to edit into your organisation's policy."""
    from advisor.errors import InputError, Problem
    from advisor.paths import builtin_rules_dir

    if folder.exists() and any(folder.iterdir()):
        raise InputError(Problem("folder exists and is not empty; choose a new one", str(folder)))
    shutil.copytree(builtin_rules_dir(), folder, dirs_exist_ok=True)
    click.echo(f"Copied the built-in rules to {folder}. Edit them, then run:")
    click.echo(f"  advisor check-rules --rules {folder}")
