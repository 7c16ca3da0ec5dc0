"""`advisor finetune`: a toy LoRA run on the user's documents, with a progress bar, and
`advisor finetune export`: its data and configs for real trainers, and a Modelfile."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from advisor.cli.base import check_models, main, model_options, settings_for


@main.group(invoke_without_command=True)
@click.option(
    "--docs",
    type=click.Path(path_type=Path),
    default=None,
    help="Documents to learn (a folder with golden.yaml uses its questions).",
)
@click.option("--collection", default=None, help="Learn from an ingested collection instead.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Adapter folder (default: DATA_DIR/adapters/<name>-<time>).",
)
@click.option("--rank", type=click.IntRange(1, 256), default=None, help="LoRA rank (default 16).")
@click.option("--epochs", type=click.IntRange(1, 1000), default=None, help="Epochs (default 4).")
@click.option("--max-steps", type=click.IntRange(1), default=None, help="Stop after N steps.")
@click.option("--lr", type=float, default=None, help="Learning rate (default 3e-3).")
@click.option(
    "--general-share",
    type=click.FloatRange(0, 0.5),
    default=0.15,
    show_default=True,
    help="Share of general-purpose pairs mixed in (against forgetting).",
)
@click.option(
    "--minutes",
    type=click.FloatRange(0.5, 24 * 60),
    default=4.0,  # advisor.finetune.estimate.DEFAULT_MINUTES (kept out of the import path)
    show_default=True,
    help="Time budget: train on as many of the documents' facts as fit in it here.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print run.json at the end.")
@model_options
@click.pass_context
def finetune(
    ctx,
    docs,
    collection,
    out,
    rank,
    epochs,
    max_steps,
    lr,
    general_share,
    minutes,
    seed,
    data_dir,
    as_json,
    device,
    base_model,
) -> None:
    """Train a LoRA adapter of the base model on documents (a few minutes on a CPU).

    The built-in SmolLM2, or --base-model PATH; on --device (default: a GPU when there is
    one). LoRA adapts the model's attention layers, found from its architecture.

    `advisor finetune export ADAPTER --out DIR` takes a trained run to other trainers.
    """
    if ctx.invoked_subcommand is not None:
        return  # a subcommand (export): the training options are not used
    from advisor.compare.learned import checker, learned_lines
    from advisor.errors import AdvisorError
    from advisor.finetune.estimate import duration, estimate, fit_budget
    from advisor.finetune.pairs import pairs_for_documents, split_pairs
    from advisor.finetune.train import TrainConfig, train_lora

    if (docs is None) == (collection is None):
        raise AdvisorError("give either --docs PATH or --collection NAME")
    settings = settings_for(data_dir, None, device, base_model)
    check_models(settings)
    pairs, method, name = pairs_for_documents(settings, docs, collection)
    knobs = {
        k: v
        for k, v in (
            ("rank", rank),
            ("epochs", epochs),
            ("max_steps", max_steps),
            ("learning_rate", lr),
        )
        if v is not None
    }
    if rank is not None:
        knobs["alpha"] = 2 * rank
    config = TrainConfig(seed=seed, **knobs)

    def guess_for(chosen):
        split = split_pairs(chosen, seed, general_share, method)
        return estimate(settings.model_cache, split, config, settings.base_model, settings.device)

    if method == "facts":
        budget = fit_budget(pairs, minutes * 60, guess_for)
        click.echo(
            f"{budget.available} facts could be trained on; up to {budget.facts} fit in "
            f"about {duration(minutes * 60)} here (--minutes)",
            err=True,
        )
        pairs = budget.pairs
    split = split_pairs(pairs, seed, general_share, method)
    out = out or settings.data_dir / "adapters" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    click.echo(
        f"{len(pairs)} facts ({method}): {len(split.train)} training pairs "
        f"(incl. {split.rephrased} rewordings, {split.general} general, "
        f"{split.rag_examples} retrieval-style), {len(split.val)} validation, "
        f"{len(split.test)} test",
        err=True,
    )
    guess = estimate(settings.model_cache, split, config, settings.base_model, settings.device)
    click.echo(f"Estimated time: {guess.text}", err=True)
    bar = None

    def progress(r) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(
                length=r.total_steps,
                label="Training LoRA",
                file=click.get_text_stream("stderr"),
            )
            bar.__enter__()
        if r.phase == "checking":
            bar.label = "Checking what the adapter learned"
            bar.render_progress()
            return
        bar.label = (
            f"Training LoRA  loss {r.loss:.3f}"
            + (f"  val {r.eval_loss:.3f}" if r.eval_loss is not None else "")
            + f"  {r.tokens_per_second:.0f} tok/s  ETA {duration(r.eta_seconds)}"
        )
        bar.update(1)

    result = train_lora(
        split,
        out,
        settings.model_cache,
        config,
        progress,
        base_model=settings.base_model,
        device=settings.device,
        check=checker(settings.model_cache),  # the base's answers kept for the next run
    )
    if bar is not None:
        bar.__exit__(None, None, None)
    run = result.run
    if as_json:
        click.echo(json.dumps({"out": str(result.out), **run}, indent=2))
        return
    first, last = run["train_loss"][0][1], run["train_loss"][-1][1]
    val = run["val_loss"]
    layers = run["params"].get("layers", "all")
    if layers == "all":
        blocks = "every block"
    elif layers == list(range(layers[0], layers[-1] + 1)):
        blocks = f"blocks {layers[0]}-{layers[-1]}"
    else:
        blocks = "blocks " + ", ".join(map(str, layers))
    click.echo(
        f"{run['base_model']} on {run['device']} ({run['dtype']}), LoRA on "
        f"{', '.join(run['params']['target_modules'])} in {blocks}"
    )
    click.echo(
        f"{result.status}: {run['steps']} steps in {duration(run['train_seconds'])} "
        f"({duration(run['wall_seconds'])} in all: loading the model "
        f"{duration(run.get('load_seconds', 0))}, checking what it learned "
        f"{duration(run.get('check_seconds', 0))}), "
        f"{run['tokens_per_second']:.0f} tokens/s, peak memory "
        f"{run['peak_memory_mb']:.0f} MB"
    )
    click.echo(
        f"train loss {first:.3f} -> {last:.3f}"
        + (f"; validation loss {val[0][1]:.3f} -> {val[-1][1]:.3f}" if val else "")
    )
    for line in learned_lines(run.get("learned")):
        click.echo(line)
    click.echo(f"adapter: {result.out}\nrun.json: {result.out / 'run.json'}")


@finetune.command(
    "export", short_help="Training data, trainer configs and a Modelfile of an adapter run."
)
@click.argument("adapter", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Export folder (new, empty, or an earlier export, which is replaced).",
)
@click.option(
    "--merged",
    is_flag=True,
    help="Also write the adapter merged into the base weights (safetensors, ~0.5 GB).",
)
def export(adapter: Path, out: Path, merged: bool) -> None:
    """Training data (chat JSONL, a datasets folder), TRL / LLaMA-Factory / axolotl
    configs with the run's LoRA settings, and an Ollama Modelfile for the adapter."""
    from advisor.finetune.export import export_adapter

    # the base weights are looked up in the per-user model cache (ADVISOR_CACHE_DIR)
    result = export_adapter(adapter, out, merged, cache_dir=settings_for().model_cache)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for path in dict.fromkeys(result.files.values()):  # each once, in the order written
        click.echo(path + ("/" if (result.out / path).is_dir() else ""))
    click.echo(f"exported to {result.out} (see README.txt there)")
