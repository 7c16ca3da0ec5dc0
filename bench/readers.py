"""Reader candidates on the tune halves of the three evaluation sets: which way of turning
retrieved passages into an answer gets the most right answers within 3 s an answer.

    .venv/bin/python bench/readers.py [--half tune|test] [--candidate NAME ...] [--limit N]

Each candidate answers every question of a set's golden.yaml and unanswerable.yaml half
through the answering path (advisor.rag.answering.finish: the first-answer cut, the
citations and the trust check) and is scored as the comparison scores (`correct`). Printed
per set: right answers of the answerable ones, answerable withheld (and how many of them
were right drafts: wrongly withheld), unanswerable ones withheld or refused, and seconds
of generation per answer. The rule (issue: evidence you can trust): keep as default the
candidate with the most right answers on the tune halves, summed over the sets, among
those within 3 s per RAG answer on 2 cores; the test halves are only ever reported.

Candidates:
  default   the answering path's prompt (advisor.rag.prompt), top 5 chunks of 256 tokens
  short     a short-answer instruction ("the exact words of the context, as few as possible")
  quote     the default's answer replaced by the passage sentence it matches best (digits
            count double), kept only when that sentence holds every number it stated
  k3, k8    the default with the top 3 or top 8 chunks
  chunks128 the default over chunks of 128 tokens
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from evidence import SETS, half  # the tune and test halves of a question file

from advisor.compare.scoring import correct
from advisor.questionsets.model import combine
from advisor.rag import prompt as prompts
from advisor.rag import trust
from advisor.rag.answering import Context, finish, prompt_for
from advisor.rag.models import pipeline_models
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings
from advisor.words import content_tokens, no_answer, tokens

SHORT_SYSTEM = (
    "Answer the question with the exact words of the numbered context, in as few words as "
    "possible, then the source number in brackets, like [1]. If the context does not "
    'contain the answer, say "I don\'t know".'
)
CANDIDATES = {  # name: (system prompt, k, chunk tokens, quote)
    "default": (prompts.SYSTEM, 5, 256, False),
    "short": (SHORT_SYSTEM, 5, 256, False),
    "quote": (prompts.SYSTEM, 5, 256, True),
    "k3": (prompts.SYSTEM, 3, 256, False),
    "k8": (prompts.SYSTEM, 8, 256, False),
    "chunks128": (prompts.SYSTEM, 5, 128, False),
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[(`*])|\n+")


def quote(draft: str, context: Context) -> str | None:
    """The passage sentence that shares most of the draft's claim, cited; None when no
    sentence holds every number the draft states."""
    claim = {t for t in content_tokens(draft) if t not in trust.FRAME}
    if not claim or no_answer(draft):
        return None
    best, best_score = None, 0.0
    for n, text in enumerate(context.texts, 1):
        for sentence in (s.strip(" |#*-") for s in _SENTENCE.split(text)):
            have = set(tokens(sentence))
            score = sum(2 if any(c.isdigit() for c in t) else 1 for t in claim & have) - 0.01 * n
            if len(have) >= 2 and score > best_score:
                best, best_score = (n, sentence), score
    if best is None:
        return None
    n, sentence = best
    if any(t not in set(tokens(sentence)) for t in claim if any(c.isdigit() for c in t)):
        return None
    return f"{sentence} [{n}]"


def run(name: str, which: str, limit: int | None) -> None:
    system, k, chunk_tokens, quoting = CANDIDATES[name]
    print(f"{name} ({which} halves): ", end="", flush=True)
    totals = [0, 0]
    for corpus, folder in SETS.items():
        files = [folder / "golden.yaml"] + [p for p in [folder / "unanswerable.yaml"] if p.exists()]
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), collection=f"readers-{corpus}",
                                chunk_tokens=chunk_tokens)  # fmt: skip
            pipeline = RagPipeline(settings, **pipeline_models(settings))
            pipeline.ingest([folder])
            questions = combine([half(f, which, limit) for f in files]).questions
            right = answerable = withheld = wrongly = abstained = unanswerable = 0
            seconds = 0.0
            prompts.SYSTEM = system  # the prompt module's instruction, for this candidate
            try:
                for q in questions:
                    context = Context.of_hits(pipeline.retrieve(q.question, k))
                    messages = prompt_for(q.question, context)
                    gen = pipeline.generator.generate(messages, settings.max_new_tokens)
                    seconds += gen.seconds
                    if quoting:
                        said = prompts.first_answer(gen.text)
                        gen = replace(gen, text=quote(said, context) or said)
                    reply = finish(q.question, context, gen, messages)
                    if q.unanswerable:
                        unanswerable += 1
                        abstained += reply.withheld or no_answer(reply.text)
                    else:
                        answerable += 1
                        right += correct(reply.text, q.answer, q.question)
                        withheld += reply.withheld
                        # a draft that pasted the passages or the prompt back is no
                        # answer: withholding it is right (as bench/trust.py counts)
                        wrongly += (
                            reply.withheld
                            and not trust.echo(reply.draft, q.question, context.texts)
                            and correct(reply.draft, q.answer, q.question)
                        )
            finally:
                prompts.SYSTEM = CANDIDATES["default"][0]
        totals[0] += right
        totals[1] += answerable
        un = f" unanswerable withheld {abstained}/{unanswerable}" if unanswerable else ""
        print(f"{corpus} {right}/{answerable} right, withheld {withheld} ({wrongly} right "
              f"drafts){un}, {seconds / max(len(questions), 1):.2f} s/answer; ",
              end="", flush=True)  # fmt: skip
    print(f"total {totals[0]}/{totals[1]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--half", choices=["tune", "test"], default="tune")
    ap.add_argument("--candidate", action="append", choices=sorted(CANDIDATES), default=None)
    ap.add_argument("--limit", type=int, default=None, help="first N questions per file")
    args = ap.parse_args()
    for name in args.candidate or list(CANDIDATES):
        run(name, args.half, args.limit)


if __name__ == "__main__":
    main()
