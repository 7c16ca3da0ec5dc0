"""`advisor eval-retrieval | retrieval-mode`: which retrieval mode suits your documents."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from advisor.cli.base import collection_option, data_dir_option, main, settings_for
from advisor.errors import InputError, Problem


@main.command("eval-retrieval")
@click.option(
    "--questions",
    "questions_file",
    required=True,
    type=click.Path(path_type=Path),
    help="Questions with their reference documents: YAML like demo_corpus/golden.yaml "
    "(`documents:`, optional `split: tune|test`), or CSV with question and documents "
    "columns (and optionally split).",
)
@click.option(
    "--docs",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Score these files or folders, ingested into a throwaway workspace (instead of "
    "--collection). Repeatable.",
)
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option(
    "--split",
    type=click.Choice(["tune", "test", "all"]),
    default="all",
    show_default=True,
    help="Only the questions of this half (`split:` in the file).",
)
@click.option("--save", is_flag=True, help="Make the best mode this workspace's mode.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@collection_option
@data_dir_option
def eval_retrieval(
    questions_file: Path,
    docs: tuple[Path, ...],
    k: int,
    split: str,
    save: bool,
    as_json: bool,
    collection: str | None,
    data_dir: Path | None,
) -> None:
    """Hit@k and MRR of dense, BM25 and hybrid retrieval on your questions, side by side."""
    from advisor.questionsets.files import load_question_file
    from advisor.rag.evaluate import best_mode, document_key, evaluate_modes, select, table
    from advisor.rag.pipeline import RagPipeline, expand_paths
    from advisor.rag.workspace import save_mode

    if docs and collection:
        raise click.UsageError("give --collection or --docs, not both")
    if docs and save:
        raise click.UsageError("--save needs a workspace (--collection); --docs is throwaway")
    everything = load_question_file(questions_file).originals()
    questions = select(everything, split)
    if not select(everything):  # scoring needs reference documents: point at the first
        raise InputError(
            everything[0].problem(
                "documents",
                "no question names its reference documents (`documents:`)",
                str(questions_file),
            )
        )
    if not questions:
        why = f"no question with reference documents has `split: {split}`"
        raise InputError(Problem(why, str(questions_file)))
    with tempfile.TemporaryDirectory(prefix="advisor-eval-") as tmp:
        if docs:
            files = expand_paths(docs)
            if not files:
                raise click.UsageError("no supported files found in the --docs paths")
            settings = settings_for(Path(tmp), "eval-retrieval")
            pipeline = RagPipeline(settings)
            pipeline.ingest(docs)  # a file that fails is logged; the others are scored
        else:
            settings = settings_for(data_dir, collection)
            pipeline = RagPipeline(settings)
        name = pipeline.store.name
        if pipeline.store.count() == 0:
            raise click.UsageError(
                "none of the --docs files could be ingested"
                if docs
                else f"collection '{name}' is empty; run `advisor ingest PATH` or pass --docs"
            )
        stored = {document_key(d) for d in pipeline.documents()}
        missing = sorted(
            {d for q in questions for d in q.documents if document_key(d) not in stored}
        )
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            click.echo(
                f"warning: not in '{name}' (their questions can only miss): {shown}", err=True
            )
        scores = evaluate_modes(pipeline.retrieve, questions, k)
        current = pipeline.mode if not docs else "hybrid"
        chunks = pipeline.store.count()
    best = best_mode(scores, prefer=current)
    if save:
        basis = {
            "questions": str(questions_file),
            "split": split,
            "k": k,
            "scores": {m: {"hit_at_k": s.hit_at_k, "mrr": s.mrr} for m, s in scores.items()},
        }
        save_mode(settings.data_dir, name, best, basis)
        current = best
    if as_json:
        data = {
            "questions_file": str(questions_file),
            "collection": None if docs else name,
            "chunks": chunks,
            "split": split,
            "k": k,
            "questions": len(questions),
            "without_documents": sum(not q.documents for q in everything),
            "modes": {m: s.as_dict() for m, s in scores.items()},
            "best": best,
            "workspace_mode": current,
        }
        click.echo(json.dumps(data, indent=2))
        return
    where = f"collection '{name}'" if not docs else "the --docs files"
    click.echo(
        f"Retrieval on {len(questions)} questions (split {split}), {where} ({chunks} chunks):"
    )
    marks = {m: "best" for m in scores if m == best}
    marks[current] = (marks.get(current, "") + " (workspace mode)").strip()
    click.echo(table(scores, marks))
    if save:
        click.echo(f"Saved: '{name}' now answers with {best}.")
    elif best != current and not docs:
        click.echo(
            f"To answer with {best} in this workspace: advisor retrieval-mode {best} "
            f"--collection {name} (or run again with --save)."
        )


@main.command("retrieval-mode")
@click.argument("mode", required=False, type=click.Choice(["dense", "bm25", "hybrid"]))
@collection_option
@data_dir_option
def retrieval_mode(mode: str | None, collection: str | None, data_dir: Path | None) -> None:
    """Show the workspace's retrieval mode, or set it to MODE (kept for this workspace)."""
    from advisor.rag.store import check_collection_name
    from advisor.rag.workspace import mode_file, save_mode, saved_mode

    settings = settings_for(data_dir, collection)
    name = check_collection_name(settings.collection)
    if mode is None:
        saved = saved_mode(settings.data_dir, name)
        source = str(mode_file(settings.data_dir, name)) if saved else "default"
        click.echo(f"{saved or 'hybrid'}  ({source})")
        return
    path = save_mode(settings.data_dir, name, mode)
    click.echo(f"'{name}' now answers with {mode} (saved in {path}).")
