"""One question, four ways: base model, base + RAG, LoRA, LoRA + RAG (hybrid)."""

from __future__ import annotations

import time

from advisor.llm.base import Generator
from advisor.rag.pipeline import Answer, RagPipeline
from advisor.rag.prompt import build_plain_messages

ARMS = {
    "base": "Base model alone",
    "rag": "Base model + retrieved context (RAG)",
    "lora": "LoRA fine-tune alone",
    "lora_rag": "LoRA fine-tune + retrieved context (hybrid)",
}


def answer_arm(
    arm: str,
    question: str,
    pipeline: RagPipeline,
    base: Generator,
    lora: Generator | None = None,
    k: int = 5,
) -> Answer:
    """Answer `question` the way `arm` does; the retrieval arms cite their sources."""
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; choose from {', '.join(ARMS)}")
    generator = lora if arm.startswith("lora") else base
    if generator is None:
        raise ValueError(f"arm {arm!r} needs a LoRA adapter")
    if arm.endswith("rag"):
        return pipeline.ask(question, k, generator=generator)
    start = time.perf_counter()
    g = generator.generate(build_plain_messages(question), pipeline.settings.max_new_tokens)
    seconds = time.perf_counter() - start
    return Answer(
        question,
        g.text,
        [],
        {"generate": seconds, "total": seconds},
        g.backend,
        "none",
        fallback_reason=g.fallback_reason,
    )


def answer_all(
    question: str, pipeline: RagPipeline, base: Generator, lora: Generator | None = None, k: int = 5
) -> dict[str, Answer]:
    """Every arm that can run (the LoRA arms need an adapter)."""
    arms = [a for a in ARMS if lora is not None or not a.startswith("lora")]
    return {a: answer_arm(a, question, pipeline, base, lora, k) for a in arms}
