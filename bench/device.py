"""The toy LoRA run and a small comparison on whatever device is here, with the CPU's
figures beside them: device, dtype, engine, tokens/s and wall time.

    .venv/bin/python bench/device.py [--device auto|cpu|cuda|mps] [--max-steps 20]
                                     [--questions 12] [--base-model PATH] [--no-baseline]

`auto` takes CUDA, then MPS, then the CPU (advisor.llm.device). When the device is not
the CPU, the same runs follow on the CPU in the same process, as the baseline. The toy run
trains on the demo's golden pairs (the default LoRA settings, stopped after --max-steps);
the comparison asks the first --questions golden questions through base, RAG, LoRA and
LoRA + RAG with that adapter. Model loading, de-quantizing and ONNX builds are not timed.
On the CPU the embedded model answers with the ONNX engine (--engine), on a GPU with
transformers (the engine's wheel is CPU-only).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.compare.questions import QuestionSet, load_question_file
from advisor.compare.runner import run_comparison
from advisor.compare.session import build_plan
from advisor.finetune.pairs import pairs_from_golden, split_pairs
from advisor.finetune.train import TrainConfig, train_lora
from advisor.llm.base_model import base_model_ref
from advisor.llm.device import describe, empty_cache
from advisor.rag.models import pipeline_models
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

CORPUS = ROOT / "demo_corpus"


def train(data: Path, device: str, args: argparse.Namespace) -> tuple[Path, dict]:
    split = split_pairs(pairs_from_golden(CORPUS / "golden.yaml"), seed=0)
    out = data / "adapters" / f"bench-{device}"
    start = time.perf_counter()
    result = train_lora(
        split,
        out,
        Settings().model_cache,
        TrainConfig(max_steps=args.max_steps),
        base_model=args.base_model,
        device=device,
    )
    run = result.run
    return out, {
        "wall_s": time.perf_counter() - start,
        "steps": run["steps"],
        "train_s": run["train_seconds"],
        "tokens_per_s": run["tokens_per_second"],
        "dtype": run["dtype"],
        "loss": f"{run['train_loss'][0][1]:.2f} -> {run['train_loss'][-1][1]:.2f}",
        "peak_gpu_mb": run.get("peak_gpu_memory_mb"),
    }


def compare(data: Path, device: str, adapter: Path, args: argparse.Namespace) -> dict:
    settings = Settings(
        data_dir=data,
        collection=f"bench-{device}-{time.strftime('%H%M%S')}",  # ingest timed afresh
        device=device,
        engine=args.engine,
        base_model=args.base_model,
    )
    pipeline = RagPipeline(settings, **pipeline_models(settings))
    start = time.perf_counter()
    pipeline.ingest([CORPUS])
    ingest_s = time.perf_counter() - start
    everything = load_question_file(CORPUS / "golden.yaml")
    golden = [q for q in everything.questions if q.variant_of is None][: args.questions]
    qs = QuestionSet(everything.name, golden, everything.sha256, everything.origin)
    plan = build_plan(
        settings, questions=qs, adapter=adapter, arms="base,rag,lora,lora_rag", pipeline=pipeline
    )
    hello = [{"role": "user", "content": "hi"}]
    plan.base.generate(hello, 2), plan.lora.generate(hello, 2)  # load and build: not timed
    start = time.perf_counter()
    run = run_comparison(plan)
    wall = time.perf_counter() - start
    tokens = sum(c.tokens for c in run.cells)
    seconds = sum(c.seconds for c in run.cells)
    correct = [c.correct for c in run.cells if c.correct is not None]
    return {
        "ingest_s": ingest_s,
        "wall_s": wall,
        "cells": len(run.cells),
        "tokens_per_s": tokens / seconds if seconds else 0.0,
        "engine": getattr(plan.lora, "engine", "?"),
        "correct": sum(correct) / len(correct) if correct else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    parser.add_argument("--max-steps", type=int, default=20, help="toy LoRA steps (default 20)")
    parser.add_argument("--questions", type=int, default=12, help="golden questions compared")
    parser.add_argument("--base-model", type=Path, default=None, help="your own base model")
    parser.add_argument("--engine", default="onnx", choices=["onnx", "transformers"])
    parser.add_argument("--no-baseline", action="store_true", help="skip the CPU baseline")
    parser.add_argument("--data", type=Path, default=None, help="data folder (default: temp)")
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="bench-device-"))
    ref = base_model_ref(args.base_model)
    ref.hf_dir(data)  # the built-in model is de-quantized once, before any clock starts
    target = describe(args.device)["device"]
    devices = [target] + ([] if target == "cpu" or args.no_baseline else ["cpu"])
    print(f"base model {ref.model_id}; devices: {', '.join(devices)}; data {data}", flush=True)
    rows = []
    for device in devices:
        adapter, trained = train(data, device, args)
        print(f"[{device}] toy LoRA run: {trained}", flush=True)
        compared = compare(data, device, adapter, args)
        print(f"[{device}] comparison: {compared}", flush=True)
        rows.append((device, trained, compared))
        empty_cache(device)
    print(
        "\n| device | dtype | LoRA steps | LoRA wall s | LoRA tokens/s | engine "
        "| comparison cells | comparison wall s | answer tokens/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for device, t, c in rows:
        print(
            f"| {device} | {t['dtype']} | {t['steps']} | {t['wall_s']:.1f} | "
            f"{t['tokens_per_s']:.0f} | {c['engine']} | {c['cells']} | {c['wall_s']:.1f} | "
            f"{c['tokens_per_s']:.0f} |"
        )


if __name__ == "__main__":
    main()
