"""An optional judge: a model of the user's own (Ollama or an OpenAI-compatible server)
reads each answer beside its reference and passages and says whether it is correct and
whether the passages support it.

Off unless configured (ADVISOR_JUDGE=ollama or openai, with that backend's settings;
ADVISOR_JUDGE_MODEL names another model on the same server). It never replaces the
deterministic scores: its verdicts are stored beside them (`judge_correct`,
`judge_supported`), labelled as a judge's, with its prompt and model in the run, and the
run reports how often judge and `correct` agree. The embedded 135M model is never a
judge, and a judge that is down leaves its scores empty with one note: nothing falls back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from advisor.errors import AdvisorError
from advisor.llm.base import BackendUnavailable, Generation, Generator, Message
from advisor.settings import Settings

JUDGES = ("ollama", "openai")
SYSTEM = (
    "You grade answers to questions about a company's documents. You are given the "
    "question, the reference answer, the passages the answer could use, and the answer. "
    "Reply with one JSON object and nothing else: "
    '{"correct": true or false, "supported": true, false or null}. '
    '"correct": the answer states what the reference states (other words are fine; a '
    'wrong number, name or date is not). "supported": every claim of the answer is in '
    "the passages; null when there are no passages."
)
TEMPLATE = (
    "Question: {question}\nReference answer: {reference}\nPassages:\n{passages}\nAnswer: {answer}"
)
MAX_PASSAGE = 700  # characters of each passage shown to the judge
MAX_TOKENS = 40  # {"correct": true, "supported": false} and a little room


@dataclass(frozen=True)
class Verdict:
    correct: float | None  # 1.0 / 0.0, None when the reply could not be read
    supported: float | None


def make_judge(settings: Settings) -> Generator | None:
    """The configured judge, or None; a judge name we do not know is one clear line."""
    name = settings.judge
    if not name:
        return None
    if name not in JUDGES:
        raise AdvisorError(
            f"ADVISOR_JUDGE: {name!r} is not a judge backend; use one of: {', '.join(JUDGES)} "
            "(a judge is a model of your own on a server; the embedded model is not one)"
        )
    from advisor.llm.registry import create

    options = {"model": settings.judge_model} if settings.judge_model else {}
    return create(name, settings, **options)  # no fallback: a judge is never replaced


def record(judge: Generator) -> dict[str, Any]:
    """What the run keeps about its judge: which model, and the exact prompt."""
    return {"model": judge.name, "system": SYSTEM, "template": TEMPLATE, "label": "judge"}


def messages(
    question: str, reference: str | None, passages: list[str], answer: str
) -> list[Message]:
    shown = "\n".join(f"[{i}] {p[:MAX_PASSAGE]}" for i, p in enumerate(passages, 1)) or "(none)"
    user = TEMPLATE.format(
        question=question,
        reference=reference or "(none)",
        passages=shown,
        answer=answer or "(no answer)",
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


_OBJECT = re.compile(r"\{[^{}]*\}", re.S)
_WORD = {"true": 1.0, "yes": 1.0, "false": 0.0, "no": 0.0}


def parse(text: str) -> Verdict:
    """The judge's reply as a verdict; a reply that is not one gives None for each."""
    for found in _OBJECT.findall(text):
        try:
            data = json.loads(found)
        except ValueError:
            continue
        if isinstance(data, dict) and "correct" in data:
            return Verdict(_flag(data.get("correct")), _flag(data.get("supported")))
    return Verdict(None, None)


def _flag(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        return _WORD.get(value.strip().lower())
    return None


def judge_all(
    judge: Generator, items: list[tuple[str, str | None, list[str], str]]
) -> tuple[list[Verdict], str | None]:
    """Verdicts for (question, reference, passages, answer) items, in order, and a note
    when the judge could not answer some (their verdicts stay None)."""
    from advisor.llm.base import concurrently

    prompts = [messages(*item) for item in items]
    each = getattr(judge, "generate_each", None)
    if callable(each):
        results: list[Generation | BackendUnavailable] = each(prompts, MAX_TOKENS)
    else:
        results = concurrently(judge.generate, prompts, MAX_TOKENS, 1)
    verdicts, failed = [], [r for r in results if isinstance(r, BackendUnavailable)]
    for r in results:
        verdicts.append(Verdict(None, None) if isinstance(r, BackendUnavailable) else parse(r.text))
    unread = sum(1 for r, v in zip(results, verdicts, strict=True)
                 if not isinstance(r, BackendUnavailable) and v.correct is None)  # fmt: skip
    notes = []
    if failed:
        notes.append(
            f"the judge {judge.name} did not answer {len(failed)} of {len(items)}: {failed[0]}"
        )
    if unread:
        notes.append(f"{unread} of the judge's replies were not a verdict")
    return verdicts, "; ".join(notes) or None
