"""The evidence figures per evaluation set, on the test halves: what a comparison of the
base model and RAG measures on each set with the embedded default.

For each set (demo_corpus/, eval_corpus/, eval_docs/): its documents ingested with the
defaults, the test half of its golden questions (and of its unanswerable questions, where
the set has them) through `base` and `rag`. Printed per set: context recall (the
retrieved chunks hold the answer), RAG correct and exact match, the reader's accuracy
where retrieval held the answer, the sentence on retrieval versus the reader, abstention
and hallucination on unanswerable questions, echoes, and base minus rag with its paired
interval. Targets (issue: evidence you can trust), test halves: context recall >= 0.9 on
the real documents, RAG correct >= 50% there, unanswerable withheld >= 80% with at most
15% of answerable ones wrongly withheld, no echo scored correct.

    .venv/bin/python bench/evidence.py [--set NAME ...] [--limit N]

Reader candidates are chosen on the tune halves, then reported on the test halves:

    .venv/bin/python bench/evidence.py --half tune --rag-only [--k N] [--chunk-tokens N]

`--dump FILE` keeps every answer, draft and score, to read the failures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.compare.runner import run_comparison
from advisor.compare.scoring import correct
from advisor.compare.session import build_plan
from advisor.compare.stats import points
from advisor.compare.text import pct, retrieval_and_reader
from advisor.questionsets.files import load_question_file
from advisor.questionsets.model import QuestionSet, combine
from advisor.questionsets.split import half as split_half
from advisor.rag.models import pipeline_models
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

SETS = {"demo": ROOT / "demo_corpus", "fen": ROOT / "eval_corpus", "rclone": ROOT / "eval_docs"}


def half(path: Path, which: str, limit: int | None) -> QuestionSet:
    """The tune or test half of a question file (its `split` fields), in file order."""
    qs = load_question_file(path)
    kept = split_half(qs.originals(), which)[:limit]
    return QuestionSet(f"{qs.name} ({which})", kept, qs.sha256, qs.origin)


def dump(path: Path, name: str, run) -> None:
    """Every cell with its question and reference, one JSON line each (appended)."""
    rows = {r.id: r for r in run.rows}
    with path.open("a", encoding="utf-8") as f:
        for c in run.cells:
            row = rows[c.question_id]
            line = {"set": name, "question": row.question, "reference": row.reference}
            line |= {k: v for k, v in asdict(c).items() if k != "cited"}
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", choices=sorted(SETS), default=None)
    ap.add_argument("--limit", type=int, default=None, help="first N questions per file")
    ap.add_argument("--half", choices=["tune", "test"], default="test")
    ap.add_argument("--k", type=int, default=5, help="passages put before the reader")
    ap.add_argument("--chunk-tokens", type=int, default=None, help="chunk size at ingest")
    ap.add_argument("--rag-only", action="store_true", help="no base arm (candidate sweeps)")
    ap.add_argument(
        "--dump", type=Path, default=None, help="write every answer, draft and score (JSONL)"
    )
    args = ap.parse_args()
    chunking = {"chunk_tokens": args.chunk_tokens} if args.chunk_tokens else {}
    print(f"{args.half} halves, k={args.k}, {chunking or 'default chunks'}")
    for name in args.set or list(SETS):
        folder = SETS[name]
        files = [folder / "golden.yaml"] + [p for p in [folder / "unanswerable.yaml"] if p.exists()]
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(data_dir=Path(tmp), collection=f"bench-{name}", **chunking)
            pipeline = RagPipeline(settings, **pipeline_models(settings))
            pipeline.ingest([folder])
            questions = combine([half(f, args.half, args.limit) for f in files])
            arms = "rag" if args.rag_only else "base,rag"
            plan = build_plan(settings, questions=questions, arms=arms, k=args.k, pipeline=pipeline)
            start = time.perf_counter()
            run = run_comparison(plan)
            seconds = time.perf_counter() - start
        agg, rag = run.aggregates, run.aggregates["arms"]["rag"]
        if args.dump:
            dump(args.dump, name, run)
        answerable = [r for r in run.rows if r.reference]
        by_id = {r.id: r for r in answerable}
        held = [
            c
            for c in run.cells
            if c.arm == "rag" and c.draft is not None and c.question_id in by_id
        ]
        withheld = len(held)
        # wrongly withheld: the draft the trust check held back was right after all; a
        # draft that pasted the passages or the prompt back is no answer, however much of
        # the reference it holds (the cell's `echo` names it), so withholding it is right
        wrongly = sum(
            1 for c in held
            if not c.echo
            and correct(c.draft, by_id[c.question_id].reference, by_id[c.question_id].question)
        )  # fmt: skip
        rag_cells = [c for c in run.cells if c.arm == "rag" and c.question_id in by_id]
        per_answer = sum(c.seconds for c in rag_cells) / max(len(rag_cells), 1)
        print(f"\n{name}: {len(answerable)} answerable + "
              f"{len(run.rows) - len(answerable)} unanswerable {args.half} questions, {seconds:.0f} s")  # fmt: skip
        print(f"  context recall       {pct(agg['retrieval'].get('context_recall'))}")
        print(f"  rag correct          {pct(rag['correct'])}  exact {pct(rag['exact'], False)}")
        if "base" in agg["arms"]:
            print(f"  base correct         {pct(agg['arms']['base']['correct'])}")
        print(f"  rag reader accuracy  {pct(rag.get('reader_correct'))}")
        print(f"  {retrieval_and_reader(run)}")
        print(f"  answerable withheld  {withheld} of {len(answerable)} "
              f"({wrongly} of them right answers: wrongly withheld)")  # fmt: skip
        print(f"  seconds per RAG answer {per_answer:.2f} (generation, this machine)")
        if rag.get("abstention"):
            print(f"  unanswerable         abstained {pct(rag['abstention'])}, "
                  f"answered anyway {pct(rag['hallucination'], False)}")  # fmt: skip
        echo_right = sum(1 for c in run.cells if c.echo and c.correct == 1.0)
        print(f"  echoes               {rag['echoes']} (rag), {echo_right} scored correct")
        if "base-rag" in agg.get("paired", {}):
            print(f"  base minus rag       {points(agg['paired']['base-rag']['all'])}")


if __name__ == "__main__":
    main()
