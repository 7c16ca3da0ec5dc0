"""The default LoRA run on the demo corpus: wall time, speed against the floor, what it
learned, and whether the engine that answers keeps it.

    .venv/bin/python bench/finetune.py

Training runs in a child process so its peak memory is its own. An answer counts when it
states the fact (advisor.compare.scoring.correct: not an echo of the question).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The pairs as `advisor finetune --docs demo_corpus/` makes them (pairs_for_documents:
# the golden facts, their rewordings and retrieval-style examples built from the chunks)
PAIRS = """
from advisor.finetune.pairs import pairs_for_documents, split_pairs
from advisor.settings import Settings
pairs, method, _ = pairs_for_documents(Settings(), Path(sys.argv[1]).parent, None)
split = split_pairs(pairs, 0, method=method)
"""

TRAIN = (
    """
import json, sys, time
from pathlib import Path
start = time.perf_counter()
from advisor.compare.learned import checker
from advisor.finetune.train import train_lora
"""
    + PAIRS
    + """
result = train_lora(split, Path(sys.argv[2]), Path(sys.argv[3]), check=checker(Path(sys.argv[3])))
print(json.dumps({"wall": time.perf_counter() - start, "run": result.run}))
"""
)

# The floor: a plain forward and backward pass of the same LoRA model over one epoch of
# the same batches (full logits, no optimizer step), in the same process as nothing else.
FLOOR = (
    """
import json, random, sys, time, warnings
from pathlib import Path
import torch
from peft import LoraConfig, get_peft_model
from advisor.finetune.train import TrainConfig, _batches, _encode
from advisor.llm.base_model import load_base
from advisor.llm.device import train_dtype
run = json.loads(Path(sys.argv[2], "run.json").read_text())
cfg = TrainConfig(**run["params"])
"""
    + PAIRS
    + """
tok, model = load_base(Path(sys.argv[3]), train_dtype("cpu"), None, "cpu")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    model = get_peft_model(model, LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha,
        target_modules=cfg.target_modules, lora_dropout=0.0, task_type="CAUSAL_LM",
        layers_to_transform=None if cfg.layers == "all" else cfg.layers))
rows = [_encode(tok, p, cfg.max_seq_len) for p in split.train]
pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
model.train()
tokens, start = 0, time.perf_counter()
for ids, labels, mask in _batches(rows, cfg.batch_size, pad, random.Random(0)):
    model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
    model.zero_grad()
    tokens += int(mask.sum())
print(json.dumps({"tokens_per_second": tokens / (time.perf_counter() - start)}))
"""
)


def _child(script: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def agreement(stated: list[dict], generator, label: str) -> str:
    """Whether `generator` states the same facts as transformers + peft did, per question."""
    from advisor.compare.learned import MAX_NEW_TOKENS
    from advisor.compare.scoring import correct
    from advisor.compare.stats import bootstrap_ci
    from advisor.rag.prompt import build_plain_messages

    start = time.perf_counter()
    same, kept = [], 0
    for row in stated:
        text = generator.generate(build_plain_messages(row["question"]), MAX_NEW_TOKENS).text
        says = correct(text, row["answer"], row["question"])
        same.append(1.0 if says == row["adapter"] else 0.0)
        kept += says and row["adapter"]
    mean, low, high = bootstrap_ci(same)
    knew = sum(r["adapter"] for r in stated)
    return (
        f"  {label}: same outcome as transformers + peft on {int(sum(same))} of {len(same)} "
        f"trained questions, {mean:.0%} (95% interval {low:.0%} to {high:.0%}; target >= 90%); "
        f"of the {knew} facts peft stated, it states {kept}  [{time.perf_counter() - start:.0f} s]"
    )


def main() -> None:
    from advisor.compare.learned import learned_lines
    from advisor.llm.embedded import EmbeddedGenerator
    from advisor.llm.lora import LoraGenerator

    golden = ROOT / "demo_corpus" / "golden.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "adapter"
        EmbeddedGenerator(data)  # de-quantize and cache first: not part of the training run
        r = _child(TRAIN, str(golden), str(out), str(data))
        run = r["run"]
        floor = _child(FLOOR, str(golden), str(out), str(data))["tokens_per_second"]
        print(
            f"default LoRA run on the demo corpus: wall {r['wall']:.0f} s (target < 120 s), "
            f"of which training {run['train_seconds']:.0f} s; "
            f"peak memory {run['peak_memory_mb']:.0f} MB (target < 4096 MB)"
        )
        print(
            f"  {run['steps']} steps, {run['tokens_per_second']:.0f} tokens/s = "
            f"{run['tokens_per_second'] / floor:.2f}x a plain forward and backward pass of the "
            f"same model on the same batches ({floor:.0f} tokens/s, the floor)"
        )
        print(
            f"  train loss {run['train_loss'][0][1]:.2f} -> {run['train_loss'][-1][1]:.2f}, "
            f"validation loss {run['val_loss'][0][1]:.2f} -> {run['val_loss'][-1][1]:.2f}"
        )
        # what the trained model (transformers + peft) stated right after training; targets:
        # trained >= 80%, paraphrase above base (interval above zero), unseen about base
        for line in learned_lines(run.get("learned")):
            print("  " + line)
        # A second run on this machine: the base model's check answers are in the cache now
        again = _child(TRAIN, str(golden), str(Path(tmp) / "adapter-2"), str(data))
        print(
            f"  a second run here: wall {again['wall']:.0f} s (target < 120 s), check "
            f"{again['run']['check_seconds']:.0f} s against {run['check_seconds']:.0f} s the "
            f"first time (the base's answers kept in the model cache); same learned figures: "
            f"{again['run'].get('learned') == run.get('learned')}"
        )
        # the comparison answers with the merged int8 ONNX engine: does it keep what the
        # adapter learned? (and the merged model under transformers, for the choice)
        stated = run["learned"]["trained"]["stated"]
        print("The adapter that answers, against the adapter that was measured:")
        print(agreement(stated, LoraGenerator(out, data), "merged, int8 ONNX (the default)"))
        print(
            agreement(
                stated, LoraGenerator(out, data, engine="transformers"), "merged, transformers"
            )
        )


if __name__ == "__main__":
    main()
