"""The arms of the comparison, registered by name: how each one prompts which model.

An arm is a small class: what it needs (an adapter, retrieval) is declared as class
attributes. Every arm answers through the one answering path (advisor.rag.answering), so
arms differ only in the model and the context: a fair fight.
"""

from __future__ import annotations

from typing import ClassVar

from advisor.errors import AdvisorError
from advisor.llm.base import Generator
from advisor.rag.answering import Context
from advisor.rag.pipeline import Answer, RagPipeline


class Arm:
    """One way to answer: a model (base or adapter), with or without retrieved context."""

    name: ClassVar[str]
    label: ClassVar[str]
    short: ClassVar[str]  # where space is short: metric labels, chips, grid columns
    needs_adapter: ClassVar[bool] = False
    uses_retrieval: ClassVar[bool] = False

    @classmethod
    def context(cls, context: Context | None) -> Context | None:
        """What the arm answers from: the retrieved passages, or nothing."""
        return context if cls.uses_retrieval else None


REGISTRY: dict[str, type[Arm]] = {}


def register(cls: type[Arm]) -> type[Arm]:
    """Add an arm to the registry under its name (a plugin can add its own)."""
    REGISTRY[cls.name] = cls
    return cls


@register
class Base(Arm):
    name, label, short = "base", "Base model alone", "Base"


@register
class Rag(Arm):
    name, label, short = "rag", "Base model + retrieved context (RAG)", "RAG"
    uses_retrieval = True


@register
class Lora(Arm):
    name, label, short = "lora", "LoRA fine-tune alone", "LoRA"
    needs_adapter = True


@register
class LoraRag(Arm):
    name, label, short = "lora_rag", "LoRA fine-tune + retrieved context (hybrid)", "LoRA + RAG"
    needs_adapter = uses_retrieval = True


ARMS: dict[str, str] = {name: cls.label for name, cls in REGISTRY.items()}


def parse_arms(spec: str | list[str], have_adapter: bool) -> list[type[Arm]]:
    """Arms from `base,rag,...`; one clear error for an unknown arm or a missing adapter."""
    names = [n.strip() for n in spec.split(",")] if isinstance(spec, str) else list(spec)
    names = [n for n in names if n]
    if not names:
        raise AdvisorError(f"no arms given; choose from {', '.join(REGISTRY)}")
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise AdvisorError(f"unknown arm '{unknown[0]}'; choose from {', '.join(REGISTRY)}")
    arms = [REGISTRY[n] for n in dict.fromkeys(names)]
    needy = [a.name for a in arms if a.needs_adapter]
    if needy and not have_adapter:
        raise AdvisorError(
            f"arm '{needy[0]}' needs a LoRA adapter: pass --adapter DIR "
            "(train one with `advisor finetune`)"
        )
    return arms


def answer_arm(
    arm: str,
    question: str,
    pipeline: RagPipeline,
    base: Generator,
    lora: Generator | None = None,
    k: int = 5,
) -> Answer:
    """Answer one `question` the way `arm` does; the retrieval arms cite their sources."""
    if arm not in REGISTRY:
        raise ValueError(f"unknown arm {arm!r}; choose from {', '.join(REGISTRY)}")
    cls = REGISTRY[arm]
    generator = lora if cls.needs_adapter else base
    if generator is None:
        raise ValueError(f"arm {arm!r} needs a LoRA adapter")
    if cls.uses_retrieval:
        return pipeline.ask(question, k, generator=generator)
    return pipeline.ask_alone(question, generator)


def answer_all(
    question: str,
    pipeline: RagPipeline,
    base: Generator,
    lora: Generator | None = None,
    k: int = 5,
) -> dict[str, Answer]:
    """Every arm that can run (the LoRA arms need an adapter)."""
    names = [n for n, cls in REGISTRY.items() if lora is not None or not cls.needs_adapter]
    return {n: answer_arm(n, question, pipeline, base, lora, k) for n in names}
