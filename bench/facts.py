"""Questions generated from each evaluation set's documents: how many facts, of which
kinds, whether each key stands verbatim in its source passage, and whether retrieval puts
the key in the top-5 chunks.

.venv/bin/python bench/facts.py [--n 40] [--audit FILE]

Each set (demo_corpus/, eval_corpus/, eval_docs/) is ingested once with the defaults (its
hand-written golden.yaml is not read: a user's documents come without one). For each, a
set of `--n` generated questions is made as `advisor compare --generate N` makes it, and
scored on its answerable questions:
- key in its source: the key, numbers normalised (advisor.words), is in the sentence or
  table row it was taken from (target 90%);
- key in the top 5: one of the 5 chunks retrieval returns for the question holds the key
  (target 90%), with a 95% Wilson interval.
`--audit FILE` writes every generated question with its key and source sentence, to be
read and marked by a person (docs/benchmarks.md holds the marks).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evidence import SETS  # the three evaluation sets, as the evidence bench reads them

from advisor.compare.questions import generated_questions
from advisor.compare.stats import share_interval
from advisor.questionsets.facts import extract_facts, kinds
from advisor.questionsets.generate import ask_all
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings
from advisor.words import normalise

K = 5


def holds(text: str, key: str) -> bool:
    return f" {normalise(key)} " in f" {normalise(text)} "


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--audit", type=Path, default=None)
    args = parser.parse_args()
    audit: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, folder in SETS.items():
            settings = Settings(data_dir=Path(tmp) / re.sub(r"\W", "", name))
            pipeline = RagPipeline(settings, "bench-facts")
            pipeline.ingest([folder])
            chunks = [(c.document, c.heading, c.text) for c in pipeline.store.all_chunks()]
            started = time.perf_counter()
            facts = extract_facts(chunks)
            asked = ask_all(facts)
            qs = generated_questions(chunks, limit=args.n, where=name)
            seconds = time.perf_counter() - started
            by_question = {a.question: a for a in asked}
            answerable = [q for q in qs.questions if not q.unanswerable]
            in_source = sum(holds(by_question[q.question].fact.sentence, q.answer or "")
                            for q in answerable)  # fmt: skip
            in_top = 0
            for q in answerable:
                hits = pipeline.retrieve(q.question, K)
                in_top += any(holds(h.chunk.text, q.answer or "") for h in hits)
            n = len(answerable)
            lo, hi = share_interval(in_top, n)
            print(
                f"{name}: {len(chunks)} chunks, {len(facts)} facts {kinds(facts)}, "
                f"{len(asked)} askable; generated {len(qs.questions)} questions "
                f"({n} answerable, {len(qs.questions) - n} unanswerable) in {seconds:.2f} s"
            )
            print(f"  key verbatim in its source: {in_source}/{n} ({in_source / n:.0%})")
            print(f"  key in the top {K} chunks:   {in_top}/{n} ({in_top / n:.0%}, "
                  f"95% interval {lo:.0%}-{hi:.0%})")  # fmt: skip
            audit.append(f"## {name}\n")
            for q in qs.questions:
                source = "" if q.unanswerable else by_question[q.question].fact.sentence
                audit.append(f"- {q.id} [{q.tag}] {q.question} => {q.answer}  ({source[:160]})")
            audit.append("")
    if args.audit:
        args.audit.write_text("\n".join(audit) + "\n", "utf-8")
        print(f"audit sample: {args.audit}")


if __name__ == "__main__":
    main()
