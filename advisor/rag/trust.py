"""How far to trust a RAG answer, and when to say "not in your documents" instead.

A small model answers every question it is given, often with a number lifted from an
unrelated passage. Three checks, each one a reason a reader would accept:

- *support*: the best dense similarity between the question and a retrieved passage. When
  no passage is close to the question, the documents most likely do not cover it.
- *unsupported facts*: a number or code in the answer (`30 days`, `E-217`) counts as
  supported only where a retrieved passage holds it in a sentence that also holds one of
  the claim's words (the answer's own, or the question's for a bare "45", which is then
  withheld as a bare number anyway): a "1" that numbers a list, or a digit of a URL,
  supports nothing. Otherwise it was invented, or could not be checked.
- *groundedness*: the share of the answer's content words found in the passages.

Before them, an *echo* is caught: an answer that only repeats the question, pastes the
prompt's own wording back, or copies the passages wholesale says nothing the user did
not give it, however "grounded" its words are. It is withheld, and scored wrong. So is a
reply that states nothing ("The answer is:"), and a bare number with no word saying what
it counts ("The answer is: 1 [4]"): a list index or a number lifted from some passage.

The two thresholds were chosen on the TUNE halves of all three evaluation sets (the demo,
the Fen and the rclone docs: their golden questions, answerable, and unanswerable once
their document is left out, and their unanswerable.yaml files), each set weighted equally;
bench/trust.py prints the choice and both error rates per set on the test halves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.words import content_tokens, no_answer, tokens

# Chosen by bench/trust.py on the tune halves (see the module docstring); never on test.
# On the three tune halves together (support 0.4 before): invented answers to questions
# whose document was left out fell from 19 to 6 and to unanswerable ones from 5 to 4, for
# 8 more answerable drafts withheld, 5 of them right (docs/benchmarks.md).
MIN_SUPPORT = 0.5  # best dense similarity of a passage to the question
MIN_GROUNDED = 0.6  # share of the answer's claim words found in the passages
LOW_GROUNDED = 0.8  # below this, the answer is shown with a warning

NOT_IN_DOCUMENTS = "Your documents do not seem to say. The closest passages are below."
# When a passage is close to the question but the model's answer could not be checked
# against it: the documents may well say it, so say which passage to read instead.
CANNOT_CHECK = "The answer could not be checked against your documents; passage [{n}] may hold it."
# When what the answer claims came from a passage written for the model, not a reader
STEERED = (
    "The answer was withheld: what it claims comes only from passage [{n}], which reads "
    "like an instruction to the model, not a fact."
)
_LIST_MARKER = re.compile(r"^[ \t]*\d{1,3}[.)][ \t]+", re.M)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")  # sentences; "1." of a list stands alone


# Words a model wraps an answer in ("The answer to this question is: ...", "According to
# the context, ..."): they claim nothing, so they count as neither grounded nor not.
FRAME = frozenset(
    tokens(
        "answer answers question questions context contexts passage passages document "
        "documents source sources text according based provided given mentioned stated "
        "states say says information"
    )
)


def groundedness(answer: str, contexts: Sequence[str], question: str = "") -> float | None:
    """Share of the answer's claim words found in the texts; None when it claims nothing.

    Claim words: the answer's content tokens, less the framing words above and the words
    it repeats from the question. None with no contexts, no claim words, or a refusal ("I
    don't know" claims nothing, so it is neither grounded nor ungrounded).
    """
    if not contexts:
        return None
    asked = set(tokens(question))
    own = [t for t in content_tokens(answer) if t not in FRAME and t not in asked]
    if not own or no_answer(answer):
        return None
    seen = {t for text in contexts for t in tokens(text)}
    return sum(t in seen for t in own) / len(own)


# The prompt's own wording (advisor.rag.prompt): an answer holding a run of it pasted the
# instructions back. Checked as token runs, so spacing and case do not matter.
PROMPT_WORDS = tokens(
    "You answer questions using only the numbered context. Answer in one short sentence "
    "and cite the source number in brackets. If the context does not contain the answer"
)
_PROMPT_RUN = 6  # tokens in a row from the instructions
_PASTE_RUN = 40  # tokens in a row from one passage: more than any one answer sentence
_NUMBERED_LINE = re.compile(r"^\s*\[\d+\]\s", re.M)  # a line of the numbered context


def _longest_run(a: list[str], b: list[str]) -> int:
    """The longest run of tokens that `a` and `b` share in the same order (dynamic
    programming over two short lists)."""
    best, prev = 0, [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def echo(answer: str, question: str, contexts: Sequence[str] = ()) -> str | None:
    """What the answer merely repeats: "question", "prompt" or "passages"; None otherwise.

    - question: every claim word of the answer is already in the question (it adds
      nothing: "two weeks" to "Is it two weeks?" is an echo, whatever it says);
    - prompt: a run of the prompt's instructions, or its "Question:" / "Context:" labels;
    - passages: a run of 40 tokens from one passage, or the numbered context pasted back.
    """
    words = tokens(answer)
    own = [t for t in content_tokens(answer) if t not in FRAME]
    if not own or no_answer(answer):
        return None  # a refusal or an empty answer is not an echo (the trust check says so)
    if question and set(own) <= set(tokens(question)):
        return "question"
    lowered = answer.lower()
    if (
        "question:" in lowered
        or "context:" in lowered
        or (_longest_run(words, PROMPT_WORDS) >= _PROMPT_RUN)
    ):
        return "prompt"
    if len(words) >= _PASTE_RUN and any(
        _longest_run(words, tokens(text)) >= _PASTE_RUN for text in contexts
    ):
        return "passages"
    if len(_NUMBERED_LINE.findall(answer)) >= 2:  # "[1] ...\n[2] ..." lines pasted back
        return "passages"
    return None


ECHO_REASON = {
    "question": "the model repeated the question instead of answering it",
    "prompt": "the model repeated its instructions instead of answering",
    "passages": "the model pasted the passages back instead of answering",
}


def unsupported_facts(answer: str, question: str, contexts: Sequence[str]) -> list[str]:
    """Numbers, times and codes in the answer that the question does not hold and no
    passage holds in a sentence beside one of the claim's words."""
    # the answer's own list markers ("1. ...", "2) ...") number its lines: not facts
    facts = [
        t for t in content_tokens(_LIST_MARKER.sub(" ", answer)) if any(c.isdigit() for c in t)
    ]
    asked = set(tokens(question))
    words = {t for t in content_tokens(answer) if not any(c.isdigit() for c in t)}
    claim = (words - FRAME) or {t for t in content_tokens(question) if t not in FRAME}
    sentences = [set(tokens(piece)) for text in contexts for piece in _SENTENCE.split(text)]

    def supported(fact: str) -> bool:
        return fact in asked or any(fact in sent and sent & claim for sent in sentences)

    return sorted({t for t in facts if not supported(t)})


@dataclass(frozen=True)
class Trust:
    """The checks on one answer; `abstain` says to withhold it."""

    grounded: float | None
    support: float | None  # None when the search ran without dense retrieval
    unsupported: tuple[str, ...]
    refused: bool  # the model itself said it does not know
    abstain: bool
    reason: str | None  # why it was withheld, or why it is shown with a warning

    best: int | None = None  # the passage closest to the question (1-based), if known
    # passages of the prompt that read like instructions to the model (advisor.rag.
    # injection): (number, phrase); an answer that used one is never shown unmarked
    injected: tuple[tuple[int, str], ...] = ()
    steered: int | None = None  # withheld: what it claims comes only from this flagged passage

    @property
    def notice(self) -> str:
        """What the user is told instead of a withheld answer: "do not say" only when no
        passage is close to the question; else which passage may hold the answer."""
        if self.steered is not None:
            return STEERED.format(n=self.steered)
        close = self.support is not None and self.support >= MIN_SUPPORT
        flagged = dict(self.injected)  # never point the reader at a passage written for the model
        if close and self.best is not None and self.best not in flagged and not self.refused:
            return CANNOT_CHECK.format(n=self.best)
        return NOT_IN_DOCUMENTS

    @property
    def level(self) -> str:
        """`withheld`, `low` (shown with a warning) or `ok`."""
        if self.abstain:
            return "withheld"
        if self.injected or (self.grounded is not None and self.grounded < LOW_GROUNDED):
            return "low"
        return "ok"


def judge(
    question: str,
    answer: str,
    contexts: Sequence[str],
    support: float | None,
    min_support: float = MIN_SUPPORT,
    min_grounded: float = MIN_GROUNDED,
    best: int | None = None,
    flagged: dict[int, str] | None = None,
) -> Trust:
    """The checks in order of how plainly they show the answer is not from the documents.

    `flagged`: passage number -> the phrase that makes it read like an instruction to the
    model. An answer whose claim only flagged passages support is withheld; one that
    merely had them in its prompt is shown with a warning naming them.
    """
    flagged = flagged or {}
    steered: int | None = None
    repeated = echo(answer, question, contexts)
    # an echo claims nothing of its own: no groundedness figure to show for it
    grounded = None if repeated else groundedness(answer, contexts, question)
    unsupported = tuple(unsupported_facts(answer, question, contexts))
    refused = no_answer(answer)
    reason: str | None = None
    if not contexts:
        reason = "no passage was retrieved"
    elif repeated:
        reason = ECHO_REASON[repeated]
    elif refused:
        reason = "the model found no answer in the passages"
    elif not (own := [t for t in content_tokens(answer) if t not in FRAME]):
        reason = "the model's reply states nothing"  # "The answer is:" and no more
    elif all(t[0].isdigit() or t[0] == "." for t in own):
        # "The answer is: 1 [4]": a list index or a number lifted from a passage, with no
        # word saying what it counts; every such answer on the three tune halves was wrong.
        # Only numbers: a name with digits in it ("md5,sha1", "us1") is what was asked.
        reason = "the answer is a bare number, without what it counts"
    elif support is not None and support < min_support:
        reason = f"no passage is close to the question (best similarity {support:.2f})"
    elif unsupported:
        reason = (
            f"the answer states {', '.join(unsupported)}, which no passage holds beside "
            "what the answer claims"
        )
    elif grounded is not None and grounded < min_grounded:
        reason = f"only {grounded:.0%} of the answer's words are in the passages"
    elif flagged and not supports(answer, question, _unflagged(contexts, flagged), min_grounded):
        n, phrase = next(iter(flagged.items()))
        steered = n
        reason = (
            f"what the answer claims comes only from passage [{n}], which reads like an "
            f'instruction to the model ("{phrase}")'
        )
    abstain = reason is not None
    if not abstain and flagged:
        named = ", ".join(f'[{n}] ("{phrase}")' for n, phrase in flagged.items())
        reason = f"the prompt held passages that read like instructions to the model: {named}"
    elif not abstain and grounded is not None and grounded < LOW_GROUNDED:
        reason = f"{grounded:.0%} of the answer's words are in the passages: check them"
    injected = tuple(flagged.items())
    return Trust(grounded, support, unsupported, refused, abstain, reason, best, injected, steered)


def _unflagged(contexts: Sequence[str], flagged: dict[int, str]) -> list[str]:
    return [text for n, text in enumerate(contexts, 1) if n not in flagged]


def supports(answer: str, question: str, passages: Sequence[str], min_grounded: float) -> bool:
    """Whether `passages` alone back the answer: every number or code it states stands
    beside its claim there, and its claim words are grounded in them as the trust check
    asks of all the passages. A citation counts only for a passage that does this."""
    if not passages:
        return False
    if unsupported_facts(answer, question, passages):
        return False
    grounded = groundedness(answer, passages, question)
    return grounded is None or grounded >= min_grounded


def best_support(scores: Sequence[dict[str, float]]) -> float | None:
    """The best dense similarity among the hits' scores; None when dense search did not run."""
    dense = [s["dense"] for s in scores if "dense" in s]
    return max(dense) if dense else None
