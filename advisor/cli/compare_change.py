"""`advisor compare --update PATH... / --forget NAME`: what goes stale, what cannot be
forgotten. Helpers of the compare command (advisor/cli/compare.py); no command here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from advisor.errors import AdvisorError


class ProgressBar:
    """A click progress bar on stderr that opens on the first report: a Progress."""

    def __init__(self, label: str) -> None:
        self.label, self.bar = label, None

    def __enter__(self) -> ProgressBar:
        return self

    def __call__(self, done: int, total: int, what: str) -> None:
        if self.bar is None:
            stream = sys.stderr  # click.get_text_stream is deprecated (Click 9)
            self.bar = click.progressbar(length=total, label=self.label, file=stream)
            self.bar.__enter__()
        self.bar.label = what
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def check_options(
    update: tuple[Path, ...], forget: str | None, new_run: bool, for_new_run: dict[str, Any]
) -> None:
    """One line for each option mistake, before anything loads."""
    if update and forget:
        raise AdvisorError("give --update or --forget, not both: apply one change at a time")
    missing = [p for p in update if not p.exists()]
    if missing:
        raise AdvisorError(f"{missing[0]}: no such file or folder")
    if not new_run:
        given = [name for name, value in for_new_run.items() if value]
        if given:
            raise AdvisorError(
                f"{given[0]} sets up a new run: give --questions FILE or --generate N with it, "
                "or leave it out to change the latest run"
            )


def latest_run(settings: Any) -> Any:
    """The workspace's latest run, or one line saying how to make one."""
    from advisor.compare.history import load_latest

    run = load_latest(settings)
    if run is None:
        raise AdvisorError(
            f"no comparison run in collection '{settings.collection}' yet: run `advisor "
            "compare --questions FILE` first, or give --questions FILE with --update/--forget"
        )
    return run


def with_run_model(settings: Any, run: Any) -> Any:
    """The settings with the run's own base model when none was given: a change is
    measured on the models the run was made with."""
    recorded = (run.settings or {}).get("base_model_path")
    if settings.base_model is not None or not recorded:
        return settings
    from advisor.cli.base import check_models

    settings = settings.model_copy(update={"base_model": Path(recorded)})
    check_models(settings)  # the folder may have moved: one line
    return settings


def precheck(qs: Any, pipeline: Any, update: tuple[Path, ...], forget: str | None) -> None:
    """The change's own checks (paths, changed questions, documents), before any model."""
    from advisor.compare.change.apply import check_forget, check_update

    if update:
        check_update(qs, pipeline, list(update))
    elif forget is not None:
        check_forget(qs, pipeline, forget)


def apply_change(
    settings: Any,
    run: Any,
    plan: Any,
    update: tuple[Path, ...],
    forget: str | None,
    progress: Any,
) -> Any:
    """Check cheaply, build the plan if the run has none yet, apply the change, keep it."""
    from advisor.compare.change.apply import apply_forget, apply_update
    from advisor.compare.change.setup import plan_from_run, questions_of
    from advisor.compare.history import save_latest
    from advisor.rag.models import pipeline_models
    from advisor.rag.pipeline import RagPipeline

    if plan is None:  # the latest run: check before the models load
        qs = questions_of(run)
        pipeline = RagPipeline(settings, run.collection or None, **pipeline_models(settings))
        precheck(qs, pipeline, update, forget)
        plan = plan_from_run(run, settings, pipeline=pipeline, questions=qs)
    if update:
        result = apply_update(plan, list(update), progress)
    else:
        assert forget is not None
        result = apply_forget(plan, forget, progress)
    run.changes.append(result.to_dict())
    save_latest(run, settings)
    return result


def retrain_cost_for(result: Any, answers_file: Path | None) -> dict[str, Any] | None:
    """Retraining at the answers' update cadence and corpus size, for an update that
    involved an adapter; None without a price sheet or an adapter."""
    if result.kind != "update" or result.retrain is None:
        return None
    from advisor.advice import cost_inputs, folder_prices
    from advisor.cli.base import rules_dir
    from advisor.compare.change.setup import retrain_cost
    from advisor.decision.answers_file import load_answers
    from advisor.decision.loader import load_rules

    rules = load_rules(rules_dir(None))
    prices = folder_prices(rules)
    if prices is None:
        return None
    given = load_answers(rules.questionnaire, answers_file) if answers_file is not None else {}
    return retrain_cost(
        cost_inputs(rules, given),
        prices,
        result.retrain.get("train_seconds"),
        result.retrain.get("train_seconds_measured", True),
    )


def echo_change(result: Any, cost: dict[str, Any] | None) -> None:
    from advisor.compare.change.text import render_change

    click.echo("\n" + render_change(result, cost))
    if cost is not None and cost["retrains_per_month"] == 0:
        click.echo("Your answers keep the knowledge out of the weights: no retrains priced.")
