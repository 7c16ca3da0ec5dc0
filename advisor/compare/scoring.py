"""Deterministic scores of one answer (aggregates and bootstrap intervals: stats.py).

Every score is a float in [0, 1], or None where it does not apply (no reference, no
retrieved context). Texts are compared as canonical tokens (advisor.words:
"18,400 euros" = "€18,400" = "18400 EUR", "4.5 kg" = "4.5kg", "45 days" = "45-day").
*Content tokens* are the tokens without stopwords; *key tokens* are the content tokens
that hold a digit: numbers (compared as values), times (`07:30`) and codes (`e-217`).

containment(answer, reference, question)
    share = the reference's content tokens found among the answer's tokens, counting only
    the words the question does not already hold (repeating the question earns nothing);
    1.0 when every key token and every new word of the reference is in the answer,
    else share, halved when a key token is missing. With no new word left, the key
    tokens alone decide; an answer that only echoes the question (advisor.rag.trust.echo)
    is wrong whatever it holds.
    "Returns are accepted within 45 days." vs "45 days"          -> 1.0
    "Within 30 days."                      vs "45 days"          -> 0.5 * 0.5 = 0.25
    "12 months or 400 cycles"   vs "12 months or 400 charge cycles" -> 0.8 (4 of 5 content
    words: "charge" is missing; "or" is a stopword)
correct = containment >= 0.999: every number, time and code, and every word of the
    reference that the question does not already hold.
    Extra words in the answer cost nothing here (token F1 shows verbosity); an answer that
    lists several candidates ("30 or 45 days") passes: a known limit of containment.
exact_match: SQuAD's exact match over the canonical tokens with articles (and citation
    markers) removed: "45 days" vs "45 days" -> 1.0; "It is 45 days." -> 0.0. For figures
    that stand beside published ones (FlashRAG reports exact match).
token_f1: SQuAD's token F1 over the canonical tokens with articles removed.
    "45 days" vs "45 days policy": precision 2/3, recall 1, F1 0.8.
groundedness(answer, contexts): share of the answer's content tokens (less framing words such
    as "answer" or "context": advisor.rag.trust.FRAME) found in the union of the retrieved
    texts' tokens; None with no contexts, no content tokens, or a refusal
    ("I don't know" claims nothing, so it is neither grounded nor ungrounded).
    "The gate code is 4711 [1]" vs ["The code for the gate is 4711."] -> 1.0;
    "The gate code is 4712" -> 2/3 (4712 appears nowhere in the context).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# The aggregates live in stats.py (this module stays under 300 lines); import them from
# either module.
from advisor.compare.stats import (
    Aggregate,
    Grid,
    Stat,
    aggregate,
    all_fail,
    bootstrap_ci,
    disagreements,
    grid_of,
)
from advisor.rag.evaluate import document_key, rank
from advisor.rag.trust import echo, groundedness
from advisor.words import ARTICLES, content_tokens, is_number, no_answer, normalise, tokens

__all__ = [
    "Aggregate", "CellScores", "Grid", "Stat", "aggregate", "all_fail", "bootstrap_ci",
    "citation_hit", "contains", "context_recall", "correct", "disagreements", "echo",
    "exact_match", "grid_of",
    "groundedness",
    "no_answer", "normalise", "numbers", "retrieval_ranks", "score_cell", "token_f1", "tokens",
]  # fmt: skip

PASS = 0.999


def numbers(text: str) -> list[float]:
    """The numeric values in `text`: "18,400" -> 18400.0, "3%" -> 3.0, "two" -> 2.0.

    Codes (E-217, KD-SL4) and times (07:30) are tokens, not numbers.
    """
    return [float(t) for t in tokens(text) if is_number(t)]


def _has_number(values: list[float], value: float) -> bool:
    return any(math.isclose(v, value, rel_tol=1e-9, abs_tol=0.0) for v in values)


def _key(token: str) -> bool:
    return any(c.isdigit() for c in token)


def contains(answer: str, reference: str | None, question: str = "") -> float | None:
    """Containment of the reference in the answer (module docstring); None: no reference."""
    ref = content_tokens(reference or "")
    if not ref:
        return None
    have = set(tokens(answer))
    have_numbers = numbers(answer)
    found = [t in have or (is_number(t) and _has_number(have_numbers, float(t))) for t in ref]
    keys_ok = all(ok for t, ok in zip(ref, found, strict=True) if _key(t))
    asked = set(tokens(question))
    new = [ok for t, ok in zip(ref, found, strict=True) if t not in asked]
    if not new:  # every reference word is in the question: only its key tokens can tell
        return 1.0 if keys_ok and any(_key(t) for t in ref) else 0.0
    share = sum(new) / len(new)
    if keys_ok and share == 1.0:
        return 1.0
    return share * (1.0 if keys_ok else 0.5)


def correct(answer: str, reference: str | None, question: str = "") -> bool:
    """The grid's pass/fail: containment of at least 0.999, and not an echo of the question."""
    if question and echo(answer, question) == "question":
        return False
    score = contains(answer, reference, question)
    return score is not None and score >= PASS


def exact_match(answer: str, reference: str | None) -> float | None:
    """SQuAD exact match over canonical tokens, articles removed; None: no reference."""
    ref = [t for t in tokens(reference or "") if t not in ARTICLES]
    if not ref:
        return None
    return 1.0 if [t for t in tokens(answer) if t not in ARTICLES] == ref else 0.0


def token_f1(answer: str, reference: str | None) -> float | None:
    """SQuAD token F1 (articles removed) over canonical tokens; None: no reference."""
    ref = [t for t in tokens(reference or "") if t not in ARTICLES]
    if not ref:
        return None
    ans = [t for t in tokens(answer) if t not in ARTICLES]
    common = sum((Counter(ans) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(ans), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def context_recall(contexts: Sequence[str], reference: str | None) -> float | None:
    """1.0 when the retrieved texts together hold the reference as `correct` would demand
    of an answer (every key token and every word), else 0.0; None: no reference or
    nothing retrieved. A chunk of the right document that lacks the fact does not count."""
    if not contexts or not (reference and content_tokens(reference)):
        return None
    return 1.0 if correct(" ".join(contexts), reference) else 0.0


def citation_hit(
    cited_documents: Sequence[str], reference_documents: Sequence[str]
) -> float | None:
    """1.0 when a cited document is a reference document, 0.0 when not (or none cited)."""
    refs = {document_key(d) for d in reference_documents}
    if not refs:
        return None
    return 1.0 if any(document_key(d) in refs for d in cited_documents) else 0.0


def retrieval_ranks(
    retrieved_documents: Sequence[str], reference_documents: Sequence[str]
) -> tuple[float | None, float | None]:
    """(hit@k, reciprocal rank of the first reference chunk) over the k retrieved chunks
    (advisor.rag.evaluate.rank); (None, None) without reference documents."""
    if not reference_documents:
        return None, None
    found = rank(retrieved_documents, reference_documents)
    return (1.0, 1.0 / found) if found else (0.0, 0.0)


@dataclass(frozen=True)
class CellScores:
    """The scores of one cell (question x arm); None marks a score that does not apply.

    correct is 1.0 / 0.0 (a float so that means are shares); containment, f1 and exact
    need a reference answer; groundedness and citation_hit need retrieved context. `echo`
    names what an answer merely repeated (advisor.rag.trust.echo): it is scored wrong,
    and not grounded.
    """

    correct: float | None = None
    containment: float | None = None
    f1: float | None = None
    groundedness: float | None = None
    citation_hit: float | None = None
    exact: float | None = None
    echo: str | None = None


def score_cell(
    answer: str,
    reference: str | None,
    contexts: Sequence[str] = (),
    cited_documents: Sequence[str] | None = None,
    reference_documents: Sequence[str] = (),
    question: str = "",
) -> CellScores:
    """Every score of one answer; `cited_documents` None means the arm does not cite."""
    has_ref = bool(reference and content_tokens(reference))
    repeated = echo(answer, question, contexts) if question else None
    cites = None if cited_documents is None else citation_hit(cited_documents, reference_documents)
    if repeated:
        wrong = 0.0 if has_ref else None
        return CellScores(wrong, wrong, token_f1(answer, reference), None, cites, wrong, repeated)
    return CellScores(
        (1.0 if correct(answer, reference, question) else 0.0) if has_ref else None,
        contains(answer, reference, question),
        token_f1(answer, reference),
        groundedness(answer, contexts, question) if contexts else None,
        cites,
        exact_match(answer, reference),
    )
