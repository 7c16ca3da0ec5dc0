"""LoRA training with peft on a fresh copy of the base model, with progress and cancel.

The shared model that serves RAG answers is never touched: training loads its own
instance, of the built-in model or the user's own base model, on the chosen device. The adapter is written to a temporary folder and renamed into place with its
run.json last, so a killed run never leaves a folder that loads as if complete.
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import shutil
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from advisor.errors import AdvisorError
from advisor.finetune.estimate import remember, work
from advisor.finetune.pairs import Pair, PairSet
from advisor.llm.adapters import RUN_FILE
from advisor.llm.adapters import read_run as read_run  # re-exported for callers
from advisor.llm.base_model import ModelRef, base_model_ref
from advisor.rag.prompt import build_messages, build_plain_messages

CONTEXT_SEQ_LEN = 384  # retrieval-style examples carry two trimmed passages
QUICK_STEPS = 3  # the quick preset: enough to see a run through, too few to learn facts


class TrainConfig(BaseModel):
    """LoRA and training knobs. Defaults learn the demo's facts in under two minutes on
    two cores (bench/finetune.py): 4 epochs over 5 phrasings of each fact, on the upper
    half of the model's blocks."""

    model_config = ConfigDict(extra="forbid")

    rank: int = Field(16, ge=1, le=256)
    alpha: int = Field(32, ge=1)
    # None: found from the model's architecture (q/k/v/o_proj on Llama; run.json records them)
    target_modules: list[str] | None = None
    # Which blocks get adapters (advisor.finetune.targets.find_layers); run.json records
    # the indices. A card without this field is an older run, adapted on every block.
    layers: Literal["upper_half", "all"] | list[int] = "upper_half"
    learning_rate: float = Field(3e-3, gt=0, le=1)
    epochs: int = Field(4, ge=1, le=1000)
    max_steps: int | None = Field(None, ge=1)
    batch_size: int = Field(8, ge=1, le=256)
    max_seq_len: int = Field(128, ge=16, le=4096)
    seed: int = 0


@dataclass(frozen=True)
class StepReport:
    step: int
    total_steps: int
    epoch: int
    loss: float
    eval_loss: float | None
    tokens_per_second: float
    eta_seconds: float
    phase: str = "training"  # training | checking (what the adapter learned) | cancelling


ProgressFn = Callable[[StepReport], None]


@dataclass
class RunResult:
    out: Path
    status: str  # "complete" or "cancelled"
    run: dict[str, Any]


def _encode(tok: Any, pair: Pair, max_len: int) -> tuple[list[int], list[int]]:
    """Token ids and labels; only the completion's tokens are learned.

    A retrieval-style example is encoded with the RAG prompt, under a longer limit that
    its trimmed passages fit (bench/finetune.py prints the longest).
    """
    if pair.context:
        messages = build_messages(pair.prompt, list(pair.context))
    else:
        messages = build_plain_messages(pair.prompt)
    text = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    prompt_ids = tok(text, add_special_tokens=False)["input_ids"]
    answer_ids = tok(pair.completion + tok.eos_token, add_special_tokens=False)["input_ids"]
    if pair.context:
        max_len = max(max_len, CONTEXT_SEQ_LEN)
    ids = (list(prompt_ids) + answer_ids)[:max_len]
    labels = ([-100] * len(prompt_ids) + answer_ids)[:max_len]
    return ids, labels


def _batches(
    rows: list[tuple[list[int], list[int]]], size: int, pad: int, rng: random.Random | None
):
    """Batches of rows of similar length, in a shuffled order (training) or as sorted.

    Bucketing by length keeps 60-token pairs out of batches padded to a 384-token
    retrieval-style example: the padding was most of the compute.
    """
    import torch

    order = list(range(len(rows)))
    if rng is not None:
        rng.shuffle(order)  # ties in length are broken at random, then sorted stably
    order.sort(key=lambda i: len(rows[i][0]))
    groups = [order[start : start + size] for start in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    for group in groups:
        batch = [rows[i] for i in group]
        width = max(len(ids) for ids, _ in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        labels = torch.full((len(batch), width), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for r, (i, lab) in enumerate(batch):
            ids[r, : len(i)] = torch.tensor(i)
            labels[r, : len(lab)] = torch.tensor(lab)
            mask[r, : len(i)] = 1
        yield ids, labels, mask


def _loss_fn(model: Any) -> Callable[[Any, Any, Any], Any]:
    """The training loss on the completion's tokens only.

    The output layer (a 49,152-word vocabulary on SmolLM2) is applied only where a label
    is learned, through transformers' `logits_to_keep`, instead of at every prompt token:
    a quarter of a step's time on the demo. Models whose forward lacks that argument get
    the plain loss.
    """
    import inspect

    import torch

    base = model.get_base_model()
    if "logits_to_keep" not in inspect.signature(base.forward).parameters:
        return lambda ids, labels, mask: (
            model(input_ids=ids, attention_mask=mask, labels=labels).loss
        )

    def loss(ids, labels, mask):
        # the logit at position i predicts token i + 1: keep the positions before a label
        # (batches are bucketed by length, so their union is a few columns)
        keep = (labels[:, 1:] != -100).any(dim=0).nonzero().squeeze(1)
        logits = model(input_ids=ids, attention_mask=mask, logits_to_keep=keep).logits
        target = labels[:, keep + 1]
        return torch.nn.functional.cross_entropy(
            logits.float().reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100
        )

    return loss


def _prepare_out(out: Path) -> Path:
    """A temporary folder beside `out`; errors name the folder when it is not writable."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        (tmp / ".write-test").write_text("ok")
        (tmp / ".write-test").unlink()
    except OSError as exc:
        raise AdvisorError(f"{out}: cannot write the adapter there ({exc.strerror})") from None
    return tmp


def train_lora(
    pairs: PairSet,
    out: Path,
    cache_dir: Path,
    config: TrainConfig | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    *,
    base_model: ModelRef | Path | str | None = None,
    device: str = "cpu",
    check: Callable[[Any, Any, list[dict[str, str]]], dict[str, Any]] | None = None,
) -> RunResult:
    """Train a LoRA adapter on `pairs.train`, evaluating on `pairs.val` each epoch.

    `check(tok, model, pairs.checks())`, when given, asks the trained model its checks
    before it is saved (advisor.compare.learned: what it learned); run.json keeps the
    answer as `learned`. A cancelled run is not checked.

    `base_model` None: the built-in model. `device` as ADVISOR_DEVICE (auto, cpu, cuda,
    mps); a GPU that supports bfloat16 holds the base weights in it (the adapter's own
    weights stay float32).
    """
    import torch
    from peft import LoraConfig, get_peft_model

    from advisor.finetune.targets import find_layers, find_target_modules
    from advisor.llm.base_model import load_base
    from advisor.llm.device import describe, train_dtype

    cfg = config or TrainConfig()
    ref = base_model_ref(base_model)
    where = describe(device)
    where["dtype"] = train_dtype(where["device"])
    tmp = _prepare_out(out)
    started = time.perf_counter()
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    # our own copy: safe to train
    tok, model = load_base(cache_dir, where["dtype"], ref, where["device"])
    load_seconds = time.perf_counter() - started
    layers = find_layers(model, cfg.layers)
    cfg = cfg.model_copy(
        update={
            "target_modules": cfg.target_modules or find_target_modules(model),
            "layers": "all" if layers is None else layers,
        }
    )
    if where["device"] == "cuda":
        torch.cuda.reset_peak_memory_stats()
    with warnings.catch_warnings():  # peft calls a transformers API that warns of v6
        warnings.simplefilter("ignore", FutureWarning)
        model = get_peft_model(
            model,
            LoraConfig(
                r=cfg.rank,
                lora_alpha=cfg.alpha,
                target_modules=cfg.target_modules,
                layers_to_transform=layers,
                lora_dropout=0.0,
                bias="none",
                task_type="CAUSAL_LM",
            ),
        )
    train_rows = [_encode(tok, p, cfg.max_seq_len) for p in pairs.train]
    val_rows = [_encode(tok, p, cfg.max_seq_len) for p in pairs.val]
    steps_per_epoch = math.ceil(len(train_rows) / cfg.batch_size)
    total = min(cfg.epochs * steps_per_epoch, cfg.max_steps or 10**9)
    # tokens the whole run will see: the ETA follows them, since a batch of retrieval-style
    # examples takes several times a batch of short pairs
    planned = sum(len(ids) for ids, _ in train_rows) * total / steps_per_epoch
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate
    )
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    loss_of = _loss_fn(model)

    def eval_loss() -> float | None:
        if not val_rows:
            return None
        model.eval()
        losses = []
        with torch.no_grad():
            for ids, labels, mask in _batches(val_rows, cfg.batch_size, pad, None):
                ids, labels, mask = (t.to(model.device) for t in (ids, labels, mask))
                losses.append(loss_of(ids, labels, mask).item())
        model.train()
        return sum(losses) / len(losses)

    train_curve: list[tuple[int, float]] = []
    val_curve: list[tuple[int, float]] = [(0, eval_loss())] if val_rows else []
    step, tokens, status = 0, 0, "complete"
    train_started = time.perf_counter()
    model.train()
    for epoch in range(1, cfg.epochs + 1):
        for ids, labels, mask in _batches(train_rows, cfg.batch_size, pad, rng):
            if cancel is not None and cancel.is_set():  # checked before every step
                status = "cancelled"
                break
            ids, labels, mask = (t.to(model.device) for t in (ids, labels, mask))
            loss = loss_of(ids, labels, mask)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            step += 1
            tokens += int(mask.sum())
            train_curve.append((step, loss.item()))
            end_of_epoch = step % steps_per_epoch == 0 or step == total
            stopping = cancel is not None and cancel.is_set()
            ev = eval_loss() if end_of_epoch and val_rows and not stopping else None
            if ev is not None:
                val_curve.append((step, ev))
            elapsed = time.perf_counter() - train_started
            if progress:
                progress(
                    StepReport(
                        step,
                        total,
                        epoch,
                        loss.item(),
                        ev,
                        tokens / elapsed,
                        max(0.0, planned - tokens) * elapsed / tokens,
                        "cancelling" if stopping else "training",
                    )
                )
            if step >= total:
                break
        if status == "cancelled" or step >= total:
            break
    train_seconds = time.perf_counter() - train_started
    learned, check_seconds = None, 0.0
    if check is not None and status == "complete":
        if progress:
            last = train_curve[-1][1] if train_curve else 0.0
            progress(StepReport(step, total, cfg.epochs, last, None, 0.0, 0.0, "checking"))
        model.eval()
        check_started = time.perf_counter()
        learned = check(tok, model, pairs.checks())
        check_seconds = time.perf_counter() - check_started
    model.save_pretrained(tmp)
    run = {
        "status": status,
        **ref.record(),  # base_model (its identity) and, for the user's own, its folder
        **where,  # device and dtype
        "method": "lora",
        "params": cfg.model_dump(),
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "pairs": {
            "train": len(pairs.train),
            "val": len(pairs.val),
            "test": len(pairs.test),
            "general_mixed_in": pairs.general,
            "retrieval_style": pairs.rag_examples,
            "retrieval_style_share": round(pairs.rag_examples / max(1, len(pairs.train)), 3),
            "generation_method": pairs.method,
        },
        "data_hash": pairs.data_hash(),
        "steps": step,
        "train_loss": train_curve,
        "val_loss": val_curve,
        "wall_seconds": round(time.perf_counter() - started, 2),
        "train_seconds": round(train_seconds, 2),
        "load_seconds": round(load_seconds, 2),  # the base model, before training
        "check_seconds": round(check_seconds, 2),  # asking what it learned, after
        "tokens_per_second": round(tokens / train_seconds, 1) if train_seconds else 0.0,
        "tokens_seen": tokens,
        "tokens_planned": int(planned),
        "work_chars": round(work(pairs, cfg.epochs, cfg.batch_size, cfg.max_steps)),
        # what a whole run takes here: measured when complete, estimated from the tokens
        # seen when cancelled (a partial run's own time is never a training run's cost)
        "full_run_seconds": round(
            train_seconds if status == "complete" else train_seconds * planned / max(1, tokens),
            2,
        ),
        "full_run_seconds_measured": status == "complete",
        "learned": learned,
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if where["device"] == "cuda":
        run["peak_gpu_memory_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    pairs.save(tmp)
    (tmp / RUN_FILE).write_text(json.dumps(run, indent=2))  # last: marks the folder complete
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    remember(cache_dir, run)  # the next run's estimate, on this machine
    return RunResult(out, status, run)


def report_dict(r: StepReport) -> dict[str, Any]:
    return asdict(r)
