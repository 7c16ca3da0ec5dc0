"""`advisor compare`: base, RAG, LoRA and LoRA + RAG side by side on your documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from advisor.cli.base import (
    check_models,
    collection_option,
    data_dir_option,
    main,
    model_options,
    rules_dir,
    settings_for,
)


@main.group(invoke_without_command=True)
@click.option(
    "--questions",
    "questions_files",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Question set: YAML like demo_corpus/golden.yaml, or CSV with columns "
    "question, answer, documents. Repeatable: answerable and unanswerable sets together "
    "(demo_corpus/unanswerable.yaml).",
)
@click.option(
    "--generate",
    "generate",
    type=click.IntRange(1, 200),
    default=None,
    help="No question set? Generate N questions about the facts the collection states (short "
    "keys, a fifth unanswerable; with --adapter, its trained facts reworded and unseen ones).",
)
@click.option(
    "--first",
    "first",
    type=click.IntRange(1),
    default=None,
    metavar="N",
    help="Only the first N questions of the set: a quick look before the whole run.",
)
@click.option(
    "--docs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Ingest these files or folders into the collection first. Repeatable.",
)
@click.option(
    "--adapter",
    type=click.Path(path_type=Path),
    default=None,
    help="LoRA adapter folder from `advisor finetune` (needed by lora, lora_rag).",
)
@click.option(
    "--arms",
    default=None,
    help="Comma-separated arms: base,rag,lora,lora_rag (default: all that can run).",
)
@click.option(
    "--k",
    default=5,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Chunks retrieved per question.",
)
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Questionnaire answers: price each arm as your answers would serve it, and "
    "(with --update) retraining at your update cadence.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the run to FILE.json or FILE.csv.",
)
@click.option(
    "--update",
    "update",
    multiple=True,
    type=click.Path(path_type=Path),
    help="New versions of documents (files or folders, e.g. demo_corpus/updates): "
    "re-ingest them, then re-ask the questions whose answer changed. Repeatable.",
)
@click.option(
    "--forget",
    "forget",
    default=None,
    metavar="NAME",
    help="Forget this document (its file name), then re-ask the questions that cite it.",
)
@click.option(
    "--judge",
    type=click.Choice(["ollama", "openai"]),
    default=None,
    help="Also have a model of your own judge every answer (ADVISOR_JUDGE; its server "
    "settings as for the generator, ADVISOR_JUDGE_MODEL for another model there). Its "
    "verdicts stand beside the scores, labelled as a judge's.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole run as JSON.")
@collection_option
@data_dir_option
@model_options
@click.pass_context
def compare(
    ctx: click.Context,
    questions_files: tuple[Path, ...],
    generate: int | None,
    first: int | None,
    docs: tuple[Path, ...],
    adapter: Path | None,
    arms: str | None,
    k: int,
    answers_file: Path | None,
    out: Path | None,
    update: tuple[Path, ...],
    forget: str | None,
    judge: str | None,
    as_json: bool,
    collection: str | None,
    data_dir: Path | None,
    device: str | None,
    base_model: Path | None,
) -> None:
    """Answer a question set through each arm, score every answer, and compare.

    \b
    Then, optionally, change the documents and measure it through every arm:
      --update PATH  re-ingest new versions of documents; re-ask the questions whose
                     answer changed (updated_answer): who states the new fact, who
                     still states the old one, how soon retrieval gets it right
      --forget NAME  forget a document; re-ask the questions citing it: chunks still
                     retrieved, and its answers still stated (the adapter's leak rate)
    With --questions or --generate the change follows the new run; without them it
    applies to the workspace's latest run (its questions, arms and adapter). The
    change is saved with the run (compare.json) and printed as before / after.
    """
    if ctx.invoked_subcommand is not None:
        return  # `advisor compare runs` / `diff`: the options above do not apply
    from advisor.cli import compare_change as change
    from advisor.compare.estimate import estimate, remember, setup_key
    from advisor.compare.history import latest_path, save_latest
    from advisor.compare.run import write_run
    from advisor.compare.runner import run_comparison
    from advisor.compare.session import build_plan, default_arms
    from advisor.compare.text import render_summary
    from advisor.errors import AdvisorError
    from advisor.questionsets.files import load_question_file
    from advisor.questionsets.model import combine

    new_run = bool(questions_files) or generate is not None
    if questions_files and generate is not None:
        raise AdvisorError("give either --questions FILE or --generate N, not both")
    if not new_run and not (update or forget):
        raise AdvisorError("give either --questions FILE or --generate N")
    change.check_options(update, forget, new_run, {"--docs": docs, "--adapter": adapter,
                                                    "--arms": arms})  # fmt: skip
    settings = settings_for(data_dir, collection, device, base_model)
    if judge:
        settings = settings.model_copy(update={"judge": judge})
    check_models(settings)
    plan = None
    if new_run:
        if docs:
            _ingest(settings, docs)
        sets = [load_question_file(p) for p in questions_files]
        plan = build_plan(
            settings,
            questions=combine(sets) if sets else None,
            generate=generate,
            adapter=adapter,
            arms=arms or default_arms(adapter is not None),
            k=k,
            **_pricing(answers_file),
        )
        if first is not None:
            plan.questions = plan.questions.first(first)
        change.precheck(plan.questions, plan.pipeline, update, forget)
        names = [a.name for a in plan.arms]
        n = len(plan.questions.questions)
        guess = estimate(settings.model_cache, setup_key(settings), names, n)
        click.echo(f"{n} questions x {len(names)} arms ({', '.join(names)}): {guess.text}",
                   err=True)  # fmt: skip
        with change.ProgressBar("Comparing") as bar:
            run = run_comparison(plan, bar)
        save_latest(run, settings)
        remember(settings.model_cache, setup_key(settings), run)  # the next estimate
    else:
        run = change.latest_run(settings)
        settings = change.with_run_model(settings, run)  # its base model, unless given
    result = None
    if update or forget:
        with change.ProgressBar("Before and after") as bar:
            result = change.apply_change(settings, run, plan, update, forget, bar)
    if out is not None:
        write_run(run, out)
    if as_json:
        click.echo(json.dumps(run.to_dict(), indent=1, ensure_ascii=False))
        return
    if new_run:
        click.echo(render_summary(run))
    if result is not None:
        change.echo_change(result, change.retrain_cost_for(result, answers_file))
    saved = latest_path(settings, run.collection)
    click.echo(f"\nSaved {saved}" + (f" and {out}" if out else ""))


def _ingest(settings: Any, docs: tuple[Path, ...]) -> None:
    from advisor.rag.models import pipeline_models
    from advisor.rag.pipeline import RagPipeline
    from advisor.terminal import visible

    results = RagPipeline(settings, **pipeline_models(settings)).ingest(docs)
    bad = [r for r in results if r.status == "error"]
    for r in bad:
        click.echo(f"  {visible(r.name)}: {visible(r.message)}", err=True)
    click.echo(f"Ingested {len(results) - len(bad)} of {len(results)} file(s).", err=True)


def _pricing(path: Path | None) -> dict[str, Any]:
    """The price sheet, and how the answers (if given) would serve each model."""
    from advisor.advice import cost_inputs, folder_prices
    from advisor.decision.answers_file import load_answers
    from advisor.decision.loader import load_rules

    rules = load_rules(rules_dir(None))
    given = load_answers(rules.questionnaire, path) if path is not None else {}
    inputs = cost_inputs(rules, given)
    return {"prices": folder_prices(rules), "serving": (inputs.base_serving, inputs.tuned_serving)}


@compare.command("runs")
@collection_option
@data_dir_option
def runs(collection: str | None, data_dir: Path | None) -> None:
    """List the workspace's kept comparison runs, newest first."""
    from advisor.compare.figures import short
    from advisor.compare.history import list_runs, runs_dir
    from advisor.terminal import visible

    settings = settings_for(data_dir, collection, None, None)
    kept = list_runs(settings)
    if not kept:
        click.echo(f"No kept comparison runs in {runs_dir(settings)}.")
        return
    for k in kept:
        if k.run is None:
            click.echo(f"{k.id}  (cannot be read: {visible(k.problem or '')})")
            continue
        r = k.run
        arms = r.aggregates.get("arms", {})
        scores = " ".join(
            f"{short(a)} {arms[a]['correct']['mean']:.0%}"
            for a in r.arms
            if (arms.get(a) or {}).get("correct")
        )
        status = "" if r.status == "complete" else f" [{r.status}]"
        name = visible(str(r.question_set.get("name") or "?"))
        click.echo(f"{k.id}{status}  {len(r.rows)} questions ({name})  {scores or 'no scores'}")


@compare.command("diff")
@click.argument("a")
@click.argument("b", required=False, default="latest")
@collection_option
@data_dir_option
def diff(a: str, b: str, collection: str | None, data_dir: Path | None) -> None:
    """What changed from run A to run B (ids from `advisor compare runs`; B: the latest).

    Per arm: the correct share in each, B minus A on the questions both asked with a
    paired 95% interval, the questions that flipped, and the settings that differ.
    """
    from advisor.compare.history import diff as run_diff
    from advisor.compare.history import diff_lines, load_kept
    from advisor.terminal import visible

    settings = settings_for(data_dir, collection, None, None)
    lines = diff_lines(run_diff(load_kept(settings, a), load_kept(settings, b)))
    click.echo("\n".join(visible(line) for line in lines))
