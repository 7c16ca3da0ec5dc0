"""Setting a comparison up from what a face has (files, a workspace, an adapter folder).
The CLI and the app both go through here; where runs are kept is advisor.compare.history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor.compare.arms import REGISTRY, parse_arms
from advisor.compare.questions import generated_questions, label_relations, read_training_pairs
from advisor.compare.runner import Plan
from advisor.costs.per_query import cost_per_1000
from advisor.costs.prices import PriceSheet
from advisor.errors import AdvisorError
from advisor.llm.adapters import partial_note
from advisor.questionsets.files import load_question_file
from advisor.questionsets.model import QuestionSet
from advisor.rag.models import pipeline_models
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings


def default_arms(have_adapter: bool) -> str:
    """Every arm that can run: all four with an adapter, base and RAG without."""
    return ",".join(n for n, a in REGISTRY.items() if have_adapter or not a.needs_adapter)


def build_plan(
    settings: Settings,
    *,
    questions_file: Path | None = None,
    questions: QuestionSet | None = None,
    generate: int | None = None,
    adapter: Path | None = None,
    arms: str | list[str] = "base,rag",
    k: int = 5,
    pipeline: RagPipeline | None = None,
    lora: Any = None,
    prices: PriceSheet | None = None,
    serving: tuple[str, str] = ("large_api", "small_api_finetuned"),
) -> Plan:
    """A runnable plan; every mistake is one AdvisorError naming the file, arm or folder.

    `serving` is how the base and the fine-tuned model would be served (from the user's
    answers), so each arm's cost per 1,000 queries uses the matching price.
    """
    chosen = parse_arms(arms, adapter is not None or lora is not None)
    pipeline = pipeline or RagPipeline(settings, **pipeline_models(settings))
    card, pairs = None, None
    if any(a.needs_adapter for a in chosen) and adapter is not None:
        pairs = read_training_pairs(Path(adapter))  # generated questions are split by them
    qs = _question_set(pipeline, questions_file, questions, generate, pairs)
    if any(a.needs_adapter for a in chosen):
        if lora is None:
            from advisor.llm.lora import LoraGenerator

            assert adapter is not None  # parse_arms checked
            lora = LoraGenerator.for_settings(adapter, settings)  # its base model and device
        folder = Path(adapter) if adapter is not None else Path(lora.run.get("path", "."))
        card = _adapter_card(folder, lora.run)
        pairs = pairs if pairs is not None else read_training_pairs(folder)
        qs = label_relations(qs, [p for p, _ in pairs], pairs)
    pricing = None
    if prices is not None:
        base_serving, tuned_serving = serving

        def pricing(arm: str, prompt_tokens: int, answer_tokens: int) -> float:
            how = tuned_serving if REGISTRY[arm].needs_adapter else base_serving
            return cost_per_1000(prices, how, prompt_tokens, answer_tokens)

    from advisor.compare.judge import make_judge

    judge = make_judge(settings)  # None unless ADVISOR_JUDGE names one
    return Plan(pipeline, qs, chosen, pipeline.generator, lora, card, k, pricing, judge)


def _question_set(
    pipeline: RagPipeline,
    path: Path | None,
    given: QuestionSet | None,
    generate: int | None,
    pairs: list[tuple[str, str]] | None = None,
) -> QuestionSet:
    if given is not None:
        return given
    if path is not None:
        return load_question_file(Path(path))
    if generate:
        chunks = [(c.document, c.heading, c.text) for c in pipeline.store.all_chunks()]
        if not chunks:
            raise AdvisorError(
                f"collection '{pipeline.store.name}' is empty: ingest documents to generate "
                "questions from"
            )
        trained = [p for p, _ in pairs or ()]
        where = f"collection '{pipeline.store.name}'"
        return generated_questions(chunks, limit=generate, trained_prompts=trained, where=where)
    raise AdvisorError("no questions: give a question file, type questions, or generate them")


def _adapter_card(folder: Path, run: dict[str, Any]) -> dict[str, Any]:
    """The adapter's identity as the run records it (never its weights)."""
    pairs = run.get("pairs", {})
    return {
        "path": str(folder),
        "run_id": folder.name,
        "base_model": run.get("base_model"),
        "data_hash": run.get("data_hash"),
        "status": run.get("status"),
        "retrieval_style_share": pairs.get("retrieval_style_share"),
        "train_pairs": pairs.get("train"),
        # what one whole training run takes here: a cancelled run's own seconds are not
        # that, so its card carries the full run's estimate, marked as one
        "train_seconds": run.get("full_run_seconds", run.get("train_seconds")),
        "train_seconds_measured": run.get("full_run_seconds_measured", True),
        "partial": partial_note(run),
        "tokens_per_second": run.get("tokens_per_second"),
        "learned": run.get("learned"),
    }
