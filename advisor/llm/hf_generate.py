"""Greedy decoding with transformers (one prompt, or many in padded batches), on the
device the model sits on; shared by the embedded model, its LoRA variant and benchmarks."""

from __future__ import annotations

import logging
import time
from typing import Any

from advisor.llm.base import Generation, Message

log = logging.getLogger("advisor.llm.embedded")  # the log lines embedded.py wrote before

BATCH = 8  # prompts per forward pass in generate_batch_with


def _log_generation(backend: str, tokens: int, seconds: float, n: int = 1) -> None:
    if log.isEnabledFor(logging.DEBUG):
        rate = tokens / seconds if seconds > 0 else 0.0
        log.debug(
            "%s: %d prompt(s), %d tokens in %.2f s (%.1f tokens/s)",
            backend,
            n,
            tokens,
            seconds,
            rate,
        )


def generate_with(
    tok: Any, model: Any, messages: list[Message], max_new_tokens: int, backend: str
) -> Generation:
    """Greedy decoding with the chat template; shared with the LoRA variant."""
    import torch

    inputs = tok.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    ).to(model.device)
    start = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(
            **inputs, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id
        )
    seconds = time.perf_counter() - start
    new = out[0, inputs["input_ids"].shape[1] :]
    _log_generation(backend, len(new), seconds)
    return Generation(tok.decode(new, skip_special_tokens=True).strip(), backend, len(new), seconds)


def _stop_ids(tok: Any, model: Any) -> set[int]:
    eos = model.generation_config.eos_token_id
    ids = set(eos) if isinstance(eos, list) else {eos}
    return {i for i in ids | {tok.eos_token_id} if i is not None}


def generate_batch_with(
    tok: Any,
    model: Any,
    messages_list: list[list[Message]],
    max_new_tokens: int,
    backend: str,
    batch_size: int = BATCH,
) -> list[Generation]:
    """Greedy decoding of many prompts, `batch_size` at a time; results in input order.

    Prompts are sorted by length so each batch pads little, and padded on the left so
    every row's next token follows its last prompt token. A Generation's `seconds` is its
    batch's wall time divided by the batch's size; `tokens` counts the generated tokens
    up to and including the first EOS, as the unbatched `generate_with` does.
    """
    import torch

    prompts = [
        tok.apply_chat_template(m, add_generation_prompt=True, return_dict=True)["input_ids"]
        for m in messages_list
    ]
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
    stop, pad = _stop_ids(tok, model), tok.pad_token_id
    results: list[Generation | None] = [None] * len(prompts)
    for first in range(0, len(order), batch_size):
        rows = order[first : first + batch_size]
        width = max(len(prompts[i]) for i in rows)
        rows_ids = [[pad] * (width - len(prompts[i])) + prompts[i] for i in rows]
        rows_mask = [[0] * (width - len(prompts[i])) + [1] * len(prompts[i]) for i in rows]
        ids = torch.tensor(rows_ids, device=model.device)
        mask = torch.tensor(rows_mask, device=model.device)
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(
                input_ids=ids,
                attention_mask=mask,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=pad,
            )
        seconds = (time.perf_counter() - start) / len(rows)
        total = 0
        for r, i in enumerate(rows):
            new = out[r, width:].tolist()
            ends = [n for n, t in enumerate(new) if t in stop]
            new = new[: ends[0] + 1] if ends else new  # what follows EOS is padding
            total += len(new)
            text = tok.decode(new, skip_special_tokens=True).strip()
            results[i] = Generation(text, backend, len(new), seconds)
        _log_generation(backend, total, seconds * len(rows), len(rows))
    return [g for g in results if g is not None]
