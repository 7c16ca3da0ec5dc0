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

Only the training and answering packages are needed (torch, transformers, peft): on a
machine without chromadb the retrieval arms cannot run, so the base model and the adapter
answer the same questions directly, and the output says so. The last table gives every
figure of the device as a ratio to the CPU's, measured in the same process.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.compare.runner import run_comparison
from advisor.compare.session import build_plan
from advisor.finetune.pairs import pairs_from_golden, split_pairs
from advisor.finetune.train import TrainConfig, train_lora
from advisor.llm.base_model import base_model_ref
from advisor.llm.device import describe, empty_cache
from advisor.questionsets.files import load_question_file
from advisor.questionsets.model import QuestionSet
from advisor.rag.models import pipeline_models
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

CORPUS = ROOT / "demo_corpus"
HAS_CHROMA = importlib.util.find_spec("chromadb") is not None


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


def golden(limit: int) -> QuestionSet:
    everything = load_question_file(CORPUS / "golden.yaml")
    first = [q for q in everything.questions if q.variant_of is None][:limit]
    return QuestionSet(everything.name, first, everything.sha256, everything.origin)


def settings_for(data: Path, device: str, args: argparse.Namespace) -> Settings:
    return Settings(
        data_dir=data,
        collection=f"bench-{device}-{time.strftime('%H%M%S')}",  # ingest timed afresh
        device=device,
        engine=args.engine,
        base_model=args.base_model,
    )


def answer_directly(data: Path, device: str, adapter: Path, args: argparse.Namespace) -> dict:
    """Without chromadb: the base model and the adapter answer the golden questions (no
    retrieval), through the same generators the comparison's base and LoRA arms use."""
    from advisor.compare.scoring import correct
    from advisor.llm.lora import LoraGenerator
    from advisor.llm.registry import make_generator
    from advisor.rag.prompt import build_plain_messages

    settings = settings_for(data, device, args)
    base, lora = make_generator(settings), LoraGenerator.for_settings(adapter, settings)
    hello = [{"role": "user", "content": "hi"}]
    base.generate(hello, 2), lora.generate(hello, 2)  # load and build: not timed
    tokens = seconds = 0.0
    right: list[bool] = []
    start = time.perf_counter()
    for q in golden(args.questions).questions:
        for model in (base, lora):
            g = model.generate(build_plain_messages(q.question), settings.max_new_tokens)
            tokens, seconds = tokens + g.tokens, seconds + g.seconds
            right.append(correct(g.text, q.answer, q.question))
    return {
        "ingest_s": 0.0,
        "wall_s": time.perf_counter() - start,
        "cells": len(right),
        "tokens_per_s": tokens / seconds if seconds else 0.0,
        "engine": getattr(lora, "engine", "?"),
        "correct": sum(right) / len(right) if right else 0.0,
    }


def compare(data: Path, device: str, adapter: Path, args: argparse.Namespace) -> dict:
    if not HAS_CHROMA:
        return answer_directly(data, device, adapter, args)
    settings = settings_for(data, device, args)
    pipeline = RagPipeline(settings, **pipeline_models(settings))
    start = time.perf_counter()
    pipeline.ingest([CORPUS])
    ingest_s = time.perf_counter() - start
    plan = build_plan(
        settings,
        questions=golden(args.questions),
        adapter=adapter,
        arms="base,rag,lora,lora_rag",
        pipeline=pipeline,
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
    if not HAS_CHROMA:
        print(
            "chromadb is not installed here: no retrieval arms; the base model and the "
            "adapter answer the questions directly",
            flush=True,
        )
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
    if len(rows) > 1:
        (device, t, c), (_, cpu_t, cpu_c) = rows[0], rows[-1]
        print(f"\n{device} against the CPU in this run (above 1: the {device} is faster):")
        print(f"- LoRA tokens/s: {ratio(t['tokens_per_s'], cpu_t['tokens_per_s'])}")
        print(f"- LoRA wall time: {ratio(cpu_t['wall_s'], t['wall_s'])}")
        print(f"- answer tokens/s: {ratio(c['tokens_per_s'], cpu_c['tokens_per_s'])}")
        print(f"- comparison wall time: {ratio(cpu_c['wall_s'], c['wall_s'])}")


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a (a zero figure)"


if __name__ == "__main__":
    main()
