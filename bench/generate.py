"""Generation throughput of the embedded model: one prompt at a time vs batched.

    .venv/bin/python bench/generate.py [--n 8] [--tokens 64] [--dtype float32] [--data DIR]

The prompts are golden questions, alternately plain and with their gold document as
context (the comparison's base and RAG arms), so prompt lengths vary as they do in a
comparison run. Prints aggregate tokens/s and the ratio to one-at-a-time, measured in
the same process. Timings on a shared 2-core machine are noisy: read orders of magnitude.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor.llm.base import Generation, Message
from advisor.llm.base_model import load_base
from advisor.llm.embedded import generate_batch_with, generate_with
from advisor.questionsets.files import load_question_file
from advisor.rag.documents import load_file
from advisor.rag.prompt import build_messages, build_plain_messages

CORPUS = ROOT / "demo_corpus"


def prompts(n: int) -> list[list[Message]]:
    """`n` golden questions, every other one with ~1,200 characters of its gold document."""
    out = []
    for i, q in enumerate(load_question_file(CORPUS / "golden.yaml").originals()[:n]):
        if i % 2:
            text = load_file(CORPUS / q.documents[0]).text[:1200]
            out.append(build_messages(q.question, [text]))
        else:
            out.append(build_plain_messages(q.question))
    return out


def rate(gens: list[Generation], seconds: float) -> tuple[int, float]:
    tokens = sum(g.tokens for g in gens)
    return tokens, tokens / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=8, help="prompts (default 8)")
    ap.add_argument("--tokens", type=int, default=64, help="max new tokens (default 64)")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--cache", type=Path, default=None, help="model cache (ADVISOR_CACHE_DIR)")
    args = ap.parse_args()

    from advisor.settings import Settings

    tok, model = load_base(args.cache or Settings().model_cache, dtype=args.dtype)
    msgs = prompts(args.n)
    lengths = [
        len(tok.apply_chat_template(m, add_generation_prompt=True, return_dict=True)["input_ids"])
        for m in msgs
    ]
    print(
        f"{args.n} prompts of {min(lengths)}-{max(lengths)} tokens, {args.dtype}, "
        f"up to {args.tokens} new tokens each"
    )
    generate_with(tok, model, msgs[0], 4, "warm-up")

    start = time.perf_counter()
    single = [generate_with(tok, model, m, args.tokens, "bench") for m in msgs]
    tokens, base = rate(single, time.perf_counter() - start)
    print(f"  one at a time: {tokens:5d} tokens  {base:6.1f} tokens/s  (1.00x)")
    for size in (4, 8):
        start = time.perf_counter()
        batched = generate_batch_with(tok, model, msgs, args.tokens, "bench", batch_size=size)
        tokens, r = rate(batched, time.perf_counter() - start)
        same = sum(a.text == b.text for a, b in zip(single, batched, strict=True))
        print(
            f"  batches of {size}: {tokens:5d} tokens  {r:6.1f} tokens/s  ({r / base:.2f}x)"
            f"  same text as one at a time: {same}/{len(msgs)}"
        )


if __name__ == "__main__":
    main()
