"""What the RAG pipeline returns: per-file ingest results and cited answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from advisor.rag.trust import Trust  # light (re and advisor.words); typed answers need it

Status = Literal["added", "replaced", "unchanged", "error", "skipped"]


@dataclass(frozen=True)
class FileResult:
    name: str
    status: Status
    chunks: int = 0
    message: str = ""


@dataclass(frozen=True)
class SourceRef:
    n: int
    document: str
    page: int | None
    chunk: int
    heading: str
    text: str
    score: float
    scores: dict[str, float]
    links: tuple[str, ...] = ()  # the passage's link targets, shown with it

    @classmethod
    def of(cls, n: int, hit: Any) -> SourceRef:
        """Source number `n` from a search Hit."""
        c = hit.chunk
        return cls(
            n,
            c.document,
            c.page,
            c.chunk,
            c.heading,
            c.text,
            hit.score,
            dict(hit.scores),
            tuple(getattr(c, "links", ())),
        )


@dataclass
class Answer:
    question: str
    text: str
    sources: list[SourceRef]
    timings: dict[str, float]
    backend: str
    mode: str
    cited: list[int] = field(default_factory=list)
    citation_added: bool = False  # the model did not cite; we attributed the answer
    fallback_reason: str | None = None
    trust: Trust | None = None  # how far to trust it (advisor.rag.trust)
    draft: str | None = None  # the model's own answer when it was withheld

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """An answer saved as `asdict` (the workspace's questions asked), typed again;
        pydantic.ValidationError for one that is not an answer."""
        from pydantic import TypeAdapter

        return TypeAdapter(cls).validate_python(data)

    @classmethod
    def of_reply(
        cls, question: str, reply: Any, sources: list[SourceRef], timings: dict, mode: str
    ) -> Answer:
        """An Answer from the answering path's Reply (advisor.rag.answering)."""
        gen = reply.generation
        return cls(
            question,
            reply.text,
            sources,
            timings,
            gen.backend,
            mode,
            reply.cited,
            reply.citation_added,
            gen.fallback_reason,
            reply.trust,
            reply.draft,
        )
