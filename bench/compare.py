"""The four arms over the demo's golden questions, with the embedded model, on this CPU.

    .venv/bin/python bench/compare.py [ADAPTER_DIR]

Target: the golden questions with their reworded twins (70) through base, RAG, LoRA and
LoRA + RAG in under 5 minutes on a 2-core machine, training excluded (an adapter is trained first when none is given).
Prints the wall time of the run, then the default engine's speed-up over transformers in
batches of 8, measured on a sample in the same process so that machine noise cancels out.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.compare.runner import run_comparison
from advisor.compare.session import build_plan
from advisor.compare.text import render_summary
from advisor.llm.base import generate_many
from advisor.questionsets.files import load_question_file
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

CORPUS = ROOT / "demo_corpus"
TARGET_SECONDS = 300
SAMPLE = 8  # questions answered one at a time, per arm, for the speed-up


def _adapter(settings: Settings) -> Path:
    from advisor.finetune.pairs import pairs_for_documents, split_pairs
    from advisor.finetune.train import train_lora

    pairs, method, _ = pairs_for_documents(settings, CORPUS, None)
    out = settings.data_dir / "adapters" / "bench"
    print("training a toy adapter first (not timed)...", flush=True)
    train_lora(split_pairs(pairs, method=method), out, settings.model_cache)
    return out


def main() -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    settings = Settings(data_dir=data, collection="bench")
    pipeline = RagPipeline(settings)
    pipeline.ingest([CORPUS])
    adapter = Path(sys.argv[1]) if len(sys.argv) > 1 else _adapter(settings)
    # the golden questions with their reworded twins, as `advisor compare` asks them
    qs = load_question_file(CORPUS / "golden.yaml")
    plan = build_plan(
        settings, questions=qs, adapter=adapter, arms="base,rag,lora,lora_rag", pipeline=pipeline
    )
    _ = pipeline.embedder, plan.base.generate([{"role": "user", "content": "hi"}], 2)  # warm
    start = time.perf_counter()
    run = run_comparison(plan)
    wall = time.perf_counter() - start
    print(render_summary(run))
    verdict = "ok" if wall < TARGET_SECONDS else "OVER TARGET"
    print(
        f"\n{len(qs.questions)} questions x 4 arms: {wall:.0f} s "
        f"(target < {TARGET_SECONDS} s) {verdict}"
    )
    # The same prompts on a sample through transformers in batches of 8 (the engine before
    # the ONNX one): the default engine's speed-up, measured in this process.
    from advisor.llm.embedded import EmbeddedGenerator
    from advisor.llm.lora import LoraGenerator
    from advisor.rag.answering import Context, prompt_for

    slow = {
        False: EmbeddedGenerator(data, engine="transformers"),
        True: LoraGenerator(adapter, data, engine="transformers"),
    }
    rows = run.rows[:SAMPLE]
    ratios = []
    for arm in plan.arms:
        fast = plan.lora if arm.needs_adapter else plan.base
        prompts = [
            prompt_for(r.question, arm.context(Context([s.text for s in r.retrieved])))
            for r in rows
        ]
        times = []
        for gen in (fast, slow[arm.needs_adapter]):
            t0 = time.perf_counter()
            generate_many(gen, prompts, settings.max_new_tokens)
            times.append(time.perf_counter() - t0)
        ratios.append(times[1] / times[0])
        print(
            f"  {arm.name:<9} {SAMPLE} questions: default engine {times[0]:6.1f} s, "
            f"transformers batched {times[1]:6.1f} s: {times[1] / times[0]:4.1f}x"
        )
    print(
        f"default engine speed-up over transformers batches (median over arms): "
        f"{statistics.median(ratios):.1f}x"
    )


if __name__ == "__main__":
    main()
