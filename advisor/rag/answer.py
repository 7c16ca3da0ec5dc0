"""What the RAG pipeline returns: per-file ingest results and cited answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from advisor.rag.trust import Trust

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
