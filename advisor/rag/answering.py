"""The one answering path: the prompt, the generation, the citations and the trust check.

`advisor ask` (one question or a file of them), the documents and fine-tune pages, the
comparison runner and the update and forget re-asks all answer through `answer_many`, so
a withheld answer is withheld everywhere and every face scores what a user would see.
Retrieval stays with the pipeline (`RagPipeline.retrieve`); a `Context` is what one
retrieval hands on: the passages' texts and the best dense similarity among them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from advisor.llm.base import Generation, Generator, Message, generate_many
from advisor.rag.injection import flagged
from advisor.rag.prompt import build_messages, build_plain_messages, cite, first_answer
from advisor.rag.trust import MIN_GROUNDED, Trust, best_support, judge, supports


@dataclass(frozen=True)
class Context:
    """The retrieved passages one question is answered from, best first."""

    texts: list[str]
    support: float | None = None  # the best dense similarity (None: no dense score)
    best: int | None = None  # which passage (1-based) has it
    headings: list[str] | None = None  # each passage's heading path, when known

    @classmethod
    def of_hits(cls, hits: Sequence) -> Context:
        """From the search's hits (advisor.rag.search.Hit)."""
        scores = [h.scores for h in hits]
        support = best_support(scores)
        best = next(
            (
                n
                for n, s in enumerate(scores, 1)
                if support is not None and s.get("dense") == support
            ),
            None,
        )
        return cls([h.chunk.text for h in hits], support, best, [h.chunk.heading for h in hits])


@dataclass
class Reply:
    """One answer as a user sees it, with what the model said and how far to trust it."""

    text: str  # when the trust check withheld the model's answer: its notice (trust.notice)
    generation: Generation
    messages: list[Message]
    cited: list[int] = field(default_factory=list)
    citation_added: bool = False
    trust: Trust | None = None  # None: no retrieval, nothing to be grounded in
    draft: str | None = None  # the model's answer when it was withheld

    @property
    def withheld(self) -> bool:
        return self.draft is not None

    @property
    def said(self) -> str:
        """The model's own answer as the user is shown it: its first answer, not the rest
        of its text (the generation keeps that), before any citation we attributed.
        Scores read this: a right fact in a ramble the user never sees earns nothing, and
        a right first answer is not an echo because the ramble after it pasted passages."""
        return first_answer(self.generation.text)


def prompt_for(question: str, context: Context | None) -> list[Message]:
    """The RAG prompt with numbered passages, or the bare question without retrieval."""
    if context is None:
        return build_plain_messages(question)
    return build_messages(question, context.texts)


def finish(question: str, context: Context | None, gen: Generation, messages: list) -> Reply:
    """Cut the model's text to its first answer, cite and judge it: a reply that claims
    what the passages do not say is withheld, its draft kept for whoever wants to look
    (the generation keeps the model's whole text)."""
    said = first_answer(gen.text)  # not the question it then asks itself, for any arm
    if context is None:
        return Reply(said, gen, messages)
    text, cited, added = cite(said, context.texts)
    marked = flagged(context.texts, context.headings)
    trust = judge(question, text, context.texts, context.support, best=context.best, flagged=marked)
    if trust.abstain:
        return Reply(trust.notice, gen, messages, [], False, trust, draft=text)
    # a citation counts only where the cited passage itself backs the claim: a model told
    # to "cite [1]" must not lend the claim the authority of the real policy in [1]
    cited = [n for n in cited if supports(text, question, [context.texts[n - 1]], MIN_GROUNDED)]
    return Reply(text, gen, messages, cited, added, trust)


def answer_many(
    questions: Sequence[str],
    contexts: Sequence[Context | None],
    generator: Generator,
    max_new_tokens: int,
) -> list[Reply]:
    """Replies in input order; a backend that batches gets them as one batch."""
    prompts = [prompt_for(q, c) for q, c in zip(questions, contexts, strict=True)]
    outputs = generate_many(generator, prompts, max_new_tokens)
    return [
        finish(q, c, g, m) for q, c, g, m in zip(questions, contexts, outputs, prompts, strict=True)
    ]
