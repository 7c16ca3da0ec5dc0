"""Which engine, model and prompt answers the RAG questions: speed and correctness.

    .venv/bin/python bench/engines.py [--model NAME=HF_DIR ...] [--quick]

The demo corpus is ingested once with the defaults; every golden question gets its top-5
chunks from the default hybrid search, and each candidate answers the same prompts,
greedy. Correctness is the comparison's `correct` (advisor.compare.scoring). Candidates
are chosen on the TUNE half only; the chosen default is then reported on the TEST half,
which chooses nothing.

1. Engines on the built-in model's weights: transformers fp32 (the baseline, measured in
   this process), onnxruntime-genai int8 (the default), int4 and fp32, CTranslate2 int8
   and llama.cpp where they are installed. Answer tokens/s counts the prompt's prefill.
2. Prompt variants through the default engine.
3. Other models (`--model qwen=/path/to/hf-folder`) through the default engine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.compare.scoring import correct, groundedness
from advisor.llm.base import Message
from advisor.questionsets.files import load_question_file
from advisor.questionsets.model import Question
from advisor.questionsets.split import half
from advisor.rag import prompt as rag_prompt
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

CORPUS = ROOT / "demo_corpus"
TOKENS = 96  # the settings' max_new_tokens
Answerer = Callable[[list[Message]], tuple[str, int, float]]  # text, tokens, seconds


def contexts(p: RagPipeline, qs: list[Question]) -> dict[str, list[str]]:
    return {q.id: [h.chunk.text for h in p.retrieve(q.question, 5)] for q in qs}


# --- prompt variants: (system, user builder) ------------------------------------------
def _numbered(texts: list[str]) -> str:
    return "\n".join(f"[{n}] {' '.join(t.split())}" for n, t in enumerate(texts, 1))


SHORT = "Answer the question from the context in a few words, then cite the source like [1]."
FEWSHOT = (
    "Context:\n[1] Parking permits cost 40 euros a month and are sold at the front desk.\n\n"
    "Question: How much is a monthly parking permit?"
)


def variant(name: str, question: str, texts: list[str]) -> list[Message]:
    ctx = _numbered(texts) if texts else "(no documents matched)"
    if name == "question-first":  # the default (advisor.rag.prompt)
        return rag_prompt.build_messages(question, texts)
    if name == "context-first":  # the previous default
        user = f"Context:\n{ctx}\n\nQuestion: {question}"
        return [{"role": "system", "content": rag_prompt.SYSTEM}, {"role": "user", "content": user}]
    if name == "short-answer":
        user = f"Context:\n{ctx}\n\nQuestion: {question}"
        return [{"role": "system", "content": SHORT}, {"role": "user", "content": user}]
    if name == "few-shot":
        return [
            {"role": "system", "content": rag_prompt.SYSTEM},
            {"role": "user", "content": FEWSHOT},
            {"role": "assistant", "content": "40 euros a month [1]."},
            {"role": "user", "content": f"Context:\n{ctx}\n\nQuestion: {question}"},
        ]
    raise ValueError(name)


VARIANTS = ("question-first", "context-first", "short-answer", "few-shot")


def score(
    answer: Answerer,
    qs: list[Question],
    ctx: dict[str, list[str]],
    prompt: str = "question-first",
) -> dict[str, float]:
    ok = tokens = 0
    seconds: list[float] = []
    grounded: list[float] = []
    for q in qs:
        text, n, s = answer(variant(prompt, q.question, ctx[q.id]))
        ok += correct(text, q.answer)
        tokens += n
        seconds.append(s)
        g = groundedness(text, ctx[q.id])
        if g is not None:
            grounded.append(g)
    return {
        "correct": ok / len(qs),
        "n": len(qs),
        "tokens_per_s": tokens / sum(seconds),
        "p50_s": statistics.median(seconds),
        "max_s": max(seconds),
        "grounded": statistics.mean(grounded) if grounded else 0.0,
    }


COUNT: list[Message] = [{"role": "user", "content": "Count from 1 to 300, separated by commas."}]


def one_decode(answer: Answerer) -> float:
    _, n, s = answer(COUNT)
    return n / s


def paired_decode(answer: Answerer, baseline: Answerer, rounds: int = 3) -> tuple[float, float]:
    """(tokens/s, ratio to the baseline) of a long answer to a short prompt: decoding, not
    prefill. Engine and baseline alternate, and the ratio is the median of the rounds'
    ratios, so load that comes and goes on a shared machine hits both sides alike."""
    rates, ratios = [], []
    for _ in range(rounds):
        b, a = one_decode(baseline), one_decode(answer)
        rates.append(a)
        ratios.append(a / b)
    return statistics.median(rates), statistics.median(ratios)


def row(name: str, r: dict[str, float], base: dict[str, float] | None = None) -> None:
    """RAG answers (prefill of ~700 prompt tokens included) and pure decoding, vs baseline."""
    ratio = f"{r['tokens_per_s'] / base['tokens_per_s']:5.2f}x" if base else "  1.00x"
    decode = ""
    if "decode" in r:
        decode = f"  decode {r['decode']:6.1f} tok/s {r['decode_ratio']:5.2f}x"
    print(
        f"  {name:<34} {r['correct'] * r['n']:3.0f}/{r['n']:<3.0f} correct  "
        f"{r['tokens_per_s']:6.1f} tok/s {ratio}  p50 {r['p50_s']:4.2f} s  "
        f"max {r['max_s']:4.2f} s  grounded {r['grounded']:.2f}{decode}"
    )


def measured(
    answer: Answerer, qs: list[Question], ctx: dict[str, list[str]], baseline: Answerer
) -> dict:
    decode, ratio = paired_decode(answer, baseline)
    return {**score(answer, qs, ctx), "decode": decode, "decode_ratio": ratio}


# --- engines -------------------------------------------------------------------------
def transformers_engine(hf_dir: Path) -> Answerer:
    from advisor.llm.base_model import load_base
    from advisor.llm.embedded import generate_with

    tok, model = load_base(hf_dir.parent)  # the model cache holds <name>-<digest>

    def answer(m: list[Message]) -> tuple[str, int, float]:
        g = generate_with(tok, model, m, TOKENS, "bench")
        return g.text, g.tokens, g.seconds

    return answer


def onnx_engine(hf_dir: Path, precision: str, options: tuple[str, ...]) -> Answerer:
    from advisor.llm.onnx_engine import BUILD_OPTIONS, PRECISION, OnnxModel, build, onnx_dir_for

    default = (precision, options) == (PRECISION, BUILD_OPTIONS)
    target = onnx_dir_for(hf_dir) if default else onnx_dir_for(hf_dir, f"{precision}-plain")
    model = OnnxModel(build(hf_dir, target, precision, options))
    return lambda m: model.generate(m, TOKENS)


def ctranslate2_engine(hf_dir: Path) -> Answerer | None:
    try:
        import ctranslate2
        from ctranslate2.converters import TransformersConverter
    except ImportError:
        return None
    from transformers import AutoTokenizer

    out = hf_dir.parent / f"{hf_dir.name}.ct2-int8"
    if not (out / "model.bin").exists():
        TransformersConverter(str(hf_dir)).convert(str(out), quantization="int8", force=True)
    gen = ctranslate2.Generator(str(out), device="cpu", compute_type="int8", intra_threads=2)
    tok = AutoTokenizer.from_pretrained(hf_dir)

    def answer(m: list[Message]) -> tuple[str, int, float]:
        ids = tok.apply_chat_template(m, add_generation_prompt=True, return_dict=True)
        start = time.perf_counter()
        r = gen.generate_batch(
            [tok.convert_ids_to_tokens(ids["input_ids"])],
            max_length=TOKENS,
            sampling_topk=1,
            include_prompt_in_result=False,
            end_token=[tok.eos_token],
        )
        new = r[0].sequences_ids[0]
        return (
            tok.decode(new, skip_special_tokens=True).strip(),
            len(new),
            time.perf_counter() - start,
        )

    return answer


def llama_cpp_engine() -> Answerer | None:
    try:
        from llama_cpp import Llama
    except ImportError:
        return None
    from advisor.llm.base_model import GGUF_FILE, gguf_dir

    llm = Llama(str(gguf_dir() / GGUF_FILE), n_ctx=2048, n_threads=2, verbose=False)

    def answer(m: list[Message]) -> tuple[str, int, float]:
        start = time.perf_counter()
        r = llm.create_chat_completion(m, max_tokens=TOKENS, temperature=0)
        text = r["choices"][0]["message"]["content"]
        return text.strip(), r["usage"]["completion_tokens"], time.perf_counter() - start

    return answer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", default=[], help="NAME=HF_DIR, repeatable")
    ap.add_argument("--quick", action="store_true", help="engines only, first 8 questions")
    args = ap.parse_args()

    golden = load_question_file(CORPUS / "golden.yaml").originals()
    tune, test = half(golden, "tune"), half(golden, "test")
    if args.quick:
        tune, test = tune[:8], test[:8]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=ROOT / "data", collection="bench-engines")
        p = RagPipeline(settings.model_copy(update={"data_dir": Path(tmp)}))
        p.ingest([CORPUS])
        ctx = contexts(p, tune + test)
    from advisor.llm.base_model import cached_model_dir
    from advisor.llm.onnx_engine import BUILD_OPTIONS, PRECISION

    hf_dir = cached_model_dir(settings.model_cache)
    print(f"Engines on SmolLM2-135M-Instruct, tune half ({len(tune)} questions, top-5 context):")
    print("  (tok/s: RAG answers, their ~700-token prefill included; decode: a long answer")
    print("   to a short prompt; ratios against transformers in this process)")
    hf = transformers_engine(hf_dir)
    base = measured(hf, tune, ctx, hf)
    row("transformers fp32 (baseline)", base)
    default = onnx_engine(hf_dir, PRECISION, BUILD_OPTIONS)
    row(f"onnxruntime-genai {PRECISION} (default)", measured(default, tune, ctx, hf), base)
    for precision in ("int4", "fp32"):
        r = measured(onnx_engine(hf_dir, precision, ()), tune, ctx, hf)
        row(f"onnxruntime-genai {precision}", r, base)
    for name, make in (
        ("ctranslate2 int8", lambda: ctranslate2_engine(hf_dir)),
        ("llama.cpp (GGUF Q4_1)", llama_cpp_engine),
    ):
        engine = make()
        if engine is None:
            print(f"  {name:<34} not installed")
        else:
            row(name, measured(engine, tune, ctx, hf), base)
    if args.quick:
        return

    print("Prompt variants through the default engine (chosen on tune; test only reported):")
    for v in VARIANTS:
        row(f"{v} tune", score(default, tune, ctx, v), base)
        row(f"{v} test", score(default, test, ctx, v), base)

    models = {"SmolLM2-135M (built in)": default}
    for spec in args.model:
        name, _, path = spec.partition("=")
        models[name] = onnx_engine(Path(path), PRECISION, BUILD_OPTIONS)
    print("Models through the default engine, tune half, then test half:")
    for name, engine in models.items():
        row(f"{name} tune", measured(engine, tune, ctx, hf), base)
        row(f"{name} test", score(engine, test, ctx), base)


if __name__ == "__main__":
    main()
