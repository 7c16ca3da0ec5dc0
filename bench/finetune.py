"""The default toy LoRA run on the demo corpus: wall time, peak memory, and what it learned.

    .venv/bin/python bench/finetune.py

Training runs in a child process so its peak memory is its own. Containment: the gold
answer appears in the model's answer (case and punctuation aside).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Other wordings of golden questions: does the adapter answer the fact, or the sentence?
PARAPHRASES = {
    "q03": "How heavy a load can the Skylift carry?",
    "q04": "What is the Skylift's flight time when fully loaded?",
    "q06": "How far away can the Scout read an RFID tag?",
    "q09": "My drone shows E-217. What is wrong?",
    "q13": "What is the maximum fleet size per site in HiveMind?",
    "q14": "How many API requests per minute does HiveMind allow?",
    "q16": "On what date did version 3.2 of HiveMind come out?",
    "q21": "What is the list price of one Skylift drone?",
    "q25": "For how many months are Skylift and Scout drones under warranty?",
    "q26": "How much is the extended warranty for one drone?",
    "q27": "How much is the per diem for trips outside Finland?",
    "q30": "How many days do new employees have to complete the drone safety course?",
    "q33": "Who collects the old battery packs for recycling?",
    "q35": "Which person acts as safety officer?",
    "q36": "For how many days are flight logs kept?",
    "q37": "Who performs the annual pen test?",
    "q39": "What is the price of the advanced pilot course?",
    "q40": "What percentage margin does a Gold partner earn?",
    "q41": "Who started Kestrel Dynamics?",
    "q38": "How many remote days per week are allowed?",
}

TRAIN = """
import json, sys, time
from pathlib import Path
from advisor.compare.learned import check
from advisor.finetune.pairs import pairs_from_golden, split_pairs
from advisor.finetune.train import train_lora
start = time.perf_counter()
split = split_pairs(pairs_from_golden(Path(sys.argv[1])), seed=0)
result = train_lora(split, Path(sys.argv[2]), Path(sys.argv[3]), check=check)
print(json.dumps({"wall": time.perf_counter() - start, "run": result.run}))
"""


def contained(gold: str, answer: str) -> bool:
    def norm(s):
        return re.sub(r"[^a-z0-9 ]", "", s.lower().replace(",", ""))

    return norm(gold.rstrip(".")) in norm(answer)


def main() -> None:
    from advisor.finetune.pairs import pairs_from_golden, split_pairs
    from advisor.llm.embedded import EmbeddedGenerator
    from advisor.llm.lora import LoraGenerator
    from advisor.rag.golden import load_golden
    from advisor.rag.prompt import build_plain_messages

    golden = ROOT / "demo_corpus" / "golden.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "adapter"
        EmbeddedGenerator(data)  # de-quantize and cache first: not part of the training run
        done = subprocess.run(
            [sys.executable, "-c", TRAIN, str(golden), str(out), str(data)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        run = r["run"]
        print(
            f"toy LoRA run on the demo corpus: wall {r['wall']:.0f} s (target < 120 s), "
            f"peak memory {run['peak_memory_mb']:.0f} MB (target < 4096 MB)"
        )
        print(
            f"  {run['steps']} steps, {run['tokens_per_second']:.0f} tokens/s, "
            f"train loss {run['train_loss'][0][1]:.2f} -> {run['train_loss'][-1][1]:.2f}, "
            f"validation loss {run['val_loss'][0][1]:.2f} -> {run['val_loss'][-1][1]:.2f}"
        )
        from advisor.compare.learned import learned_lines

        # what the trained model (transformers + peft) stated right after training; the
        # sets below ask the merged int8 ONNX engine the comparison answers with: the two
        # must agree on the trained questions (target: at least 90%)
        for line in learned_lines(run.get("learned")):
            print("  " + line)
        split = split_pairs(pairs_from_golden(golden), seed=0)
        by_question = {q.question: q for q in load_golden(golden).questions}
        train = [by_question[p.prompt] for p in split.train if p.prompt in by_question]
        held = [by_question[p.prompt] for p in split.val + split.test]
        para = [(PARAPHRASES[q.id], q) for q in train if q.id in PARAPHRASES]
        lora, base = LoraGenerator(out, data), EmbeddedGenerator(data)
        sets = {
            "training questions": [(q.question, q) for q in train],
            "paraphrases of training questions": para,
            "held-out questions": [(q.question, q) for q in held],
        }
        for name, items in sets.items():
            scores = {}
            start = time.perf_counter()
            for label, gen in (("LoRA", lora), ("base", base)):
                hits = sum(
                    contained(q.answer, gen.generate(build_plain_messages(text), 24).text)
                    for text, q in items
                )
                scores[label] = hits
            print(
                f"  {name} ({len(items)}): LoRA {scores['LoRA']}/{len(items)} "
                f"({scores['LoRA'] / len(items):.0%}), base {scores['base']}/{len(items)} "
                f"({scores['base'] / len(items):.0%})  [{time.perf_counter() - start:.0f} s]"
            )


if __name__ == "__main__":
    main()
