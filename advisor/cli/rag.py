"""`advisor ingest | ask | forget | documents`: the RAG demo from the command line."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from advisor.cli.base import (
    check_models,
    collection_option,
    data_dir_option,
    device_option,
    main,
    model_options,
    settings_for,
)
from advisor.errors import AdvisorError
from advisor.terminal import visible, visible_lines


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--recursive", is_flag=True, help="Also ingest files in sub-folders.")
@collection_option
@data_dir_option
@device_option
def ingest(
    paths: tuple[Path, ...],
    recursive: bool,
    collection: str | None,
    data_dir: Path | None,
    device: str | None,
) -> None:
    """Ingest files or folders (PDF, DOCX, HTML, Markdown, text) into a collection."""
    from advisor.rag.models import pipeline_models
    from advisor.rag.pipeline import RagPipeline, expand_paths

    settings = settings_for(data_dir, collection, device)
    pipeline = RagPipeline(settings, **pipeline_models(settings))
    files = expand_paths(paths, recursive)
    if not files:
        raise click.UsageError("no supported files found in the given paths")
    bar_state: dict[str, object] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bar_state.get(stage)
        if bar is None:
            label = "Ingesting (load, chunk, embed, store)"
            bar = bar_state[stage] = click.progressbar(
                length=total, label=label, file=click.get_text_stream("stderr")
            )
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    click.echo(f"Loading {len(files)} file(s)...", err=True)
    results = pipeline.ingest(paths, progress, recursive)
    names = [visible(r.name) for r in results]  # a name with a newline forges no line
    width = max(map(len, names))
    for name, r in zip(names, results, strict=True):
        detail = "; ".join(p for p in (f"{r.chunks} chunks" if r.chunks else "", r.message) if p)
        detail = visible(detail)
        click.echo(f"  {name:<{width}}  {r.status:<9}  {detail}".rstrip())
    counts = {
        s: sum(r.status == s for r in results)
        for s in ("added", "replaced", "unchanged", "skipped", "error")
    }
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    click.echo(
        f"{summary}. Collection '{pipeline.store.name}' at {pipeline.store.where} "
        f"holds {pipeline.store.count()} chunks."
    )
    if counts["error"] == len(results):  # nothing went in: a failure, as scripts must see
        raise AdvisorError(f"none of the {len(results)} file(s) could be ingested (see above)")


@main.command()
@click.argument("question", required=False)
@click.option(
    "--questions",
    "questions_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Ask every question of a file in one process: YAML or CSV as `compare` reads, "
    "or plain text with one question per line. Prints a JSON line per question.",
)
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "dense", "bm25"]),
    default=None,
    help="Retrieval mode (default: the workspace's, see `advisor retrieval-mode`; else hybrid).",
)
@click.option("--no-generate", is_flag=True, help="Retrieve only; no model answer.")
@click.option(
    "--adapter",
    type=click.Path(path_type=Path),
    default=None,
    help="Answer with this LoRA adapter (from `advisor finetune`).",
)
@click.option("--no-retrieval", is_flag=True, help="Answer from the model alone, no documents.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--jsonl", is_flag=True, help="One JSON object per line (the default with --questions)."
)
@collection_option
@data_dir_option
@model_options
def ask(
    question: str | None,
    questions_file: Path | None,
    k: int,
    mode: str | None,
    no_generate: bool,
    adapter: Path | None,
    no_retrieval: bool,
    as_json: bool,
    jsonl: bool,
    collection: str | None,
    data_dir: Path | None,
    device: str | None,
    base_model: Path | None,
) -> None:
    """Answer QUESTION (or every question of --questions FILE) from the collection,
    citing the chunks it used."""
    from advisor.rag.models import pipeline_models
    from advisor.rag.pipeline import RagPipeline

    if (question is None) == (questions_file is None):
        raise click.UsageError("give a QUESTION or --questions FILE (not both)")
    if no_generate and no_retrieval:
        raise click.UsageError("--no-generate with --no-retrieval leaves nothing to do")
    questions = [question] if question is not None else _questions(questions_file)
    settings = settings_for(data_dir, collection, device, base_model)
    check_models(settings)
    pipeline = RagPipeline(settings, **pipeline_models(settings))
    lora = None
    if adapter is not None:
        from advisor.llm.lora import LoraGenerator

        lora = LoraGenerator.for_settings(adapter, settings)
    if not no_retrieval and pipeline.store.count() == 0:
        raise click.UsageError(
            f"collection '{pipeline.store.name}' is empty; run `advisor ingest PATH` first"
        )

    def one(q: str):
        if no_retrieval:
            return pipeline.ask_alone(q, lora)
        return pipeline.ask(q, k, mode, generate=not no_generate, generator=lora)  # type: ignore[arg-type]

    if questions_file is None and not jsonl:
        _show(one(questions[0]), as_json, no_generate)
        return
    with click.progressbar(questions, label="Asking", file=click.get_text_stream("stderr")) as bar:
        for q in bar:
            click.echo(json.dumps(_as_json(one(q)), ensure_ascii=False))


def _questions(path: Path) -> list[str]:
    """The questions of a file: YAML / CSV as `compare` reads them, else one per line."""
    from advisor.questionsets.files import SUFFIXES, load_question_file, read_text
    from advisor.questionsets.model import typed_questions

    if path.suffix.lower() in SUFFIXES:
        return [q.question for q in load_question_file(path).questions]
    return [
        q.question for q in typed_questions(read_text(path, any_suffix=True).splitlines()).questions
    ]


def _as_json(answer) -> dict:
    data = asdict(answer)
    data["answer"] = data.pop("text")
    return data


def _show(answer, as_json: bool, no_generate: bool) -> None:
    if as_json:
        click.echo(json.dumps(_as_json(answer), indent=2, ensure_ascii=False))
        return
    if not no_generate:
        click.echo(visible_lines(answer.text))  # a document's ANSI escape is shown, not run
        note = " (citation added by attribution)" if answer.citation_added else ""
        click.echo(f"\n-- answered by {answer.backend}{note}")
        if answer.fallback_reason:
            click.echo(f"-- fallback: {answer.fallback_reason}")
        if answer.trust is not None:  # how far to trust it (advisor.rag.trust)
            t = answer.trust
            if t.abstain:
                click.echo(
                    f"-- withheld: {visible(t.reason)}; the model said: {visible(answer.draft)}"
                )
            elif t.reason:
                click.echo(f"-- check this answer: {visible(t.reason)}")
            if t.grounded is not None and not t.abstain:  # a withheld answer is not shown
                click.echo(f"-- grounded {t.grounded:.0%} in the passages")
    click.echo("Sources:" if answer.sources else "Sources: none (no retrieval)")
    for s in answer.sources:
        page = f" p.{s.page}" if s.page else ""
        per = " ".join(f"{k}={v:.3g}" for k, v in s.scores.items())
        click.echo(
            f"  [{s.n}] {visible(s.document)}{page} #{s.chunk} {visible(s.heading)}  ({per})"
        )
    timings = " ".join(f"{k}={v * 1000:.0f}ms" for k, v in answer.timings.items())
    click.echo(f"Timings: {timings}")


@main.command()
@click.argument("document")
@collection_option
@data_dir_option
def forget(document: str, collection: str | None, data_dir: Path | None) -> None:
    """Remove DOCUMENT (its file name) and all its chunks from the collection."""
    from advisor.errors import InputError, Problem
    from advisor.rag.pipeline import RagPipeline

    pipeline = RagPipeline(settings_for(data_dir, collection))
    removed = pipeline.forget(document)
    if not removed:
        # the same forget again finishes a purge that a full disk stopped: the document
        # left the listing, its text perhaps not the files
        purged = pipeline.finish_purge()
        known = ", ".join(pipeline.documents()) or "none"
        raise InputError(
            Problem(
                f"not in collection '{pipeline.store.name}' (documents: {known})"
                + (
                    "; the store's files are purged of any text an earlier forget left"
                    if purged
                    else ""
                ),
                document,
            )
        )
    click.echo(f"Removed {visible(document)}: {removed} chunks.")


@main.command()
@collection_option
@data_dir_option
def documents(collection: str | None, data_dir: Path | None) -> None:
    """List the documents in a collection with their chunk counts."""
    from advisor.rag.pipeline import RagPipeline

    pipeline = RagPipeline(settings_for(data_dir, collection))
    docs = pipeline.documents()
    for name, n in docs.items():
        click.echo(f"  {visible(name)}  {n} chunks")
    click.echo(f"{len(docs)} documents in '{pipeline.store.name}'.")
