"""The exported data: a run's pairs as chat messages, JSONL, a `datasets` folder, merged weights.

The messages are the ones the toy run trained on (train._encode): a bare question under
the plain system prompt, or a retrieval-style example in the RAG prompt, each answered
by its completion. A trainer that applies the model's chat template to them sees what
the toy run saw.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError, InputError, Problem
from advisor.finetune.pairs import Pair
from advisor.rag.prompt import build_messages, build_plain_messages

# Paths inside the adapter folder (the pairs) and inside the export folder (the rest).
FILES = {
    "train_pairs": "train.jsonl",
    "validation_pairs": "val.jsonl",
    "train": "data/train.jsonl",
    "validation": "data/validation.jsonl",
    "hf_dataset": "hf_dataset",
    "adapter": "adapter",
    "merged": "merged",
}


def read_pairs(path: Path, required: bool = True) -> list[Pair]:
    """The pairs of one split file; a bad line is named by file, line and field."""
    if not path.exists():
        if required:
            raise AdvisorError(f"{path}: missing")
        return []
    pairs = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(Problem(f"not JSON ({exc.msg})", str(path), n)) from None
        if not isinstance(row, dict):
            raise InputError(Problem("not a JSON object", str(path), n))
        for key in ("prompt", "completion"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise InputError(Problem("missing or not text", str(path), n, key))
        context = row.get("context", [])
        if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
            raise InputError(Problem("not a list of passages", str(path), n, "context"))
        pairs.append(Pair(row["prompt"], row["completion"], context=tuple(context)))
    return pairs


def chat_messages(pair: Pair) -> list[dict[str, str]]:
    """system, user, assistant: the prompt the pair was trained with, and its answer."""
    if pair.context:
        prompt = build_messages(pair.prompt, list(pair.context))
    else:
        prompt = build_plain_messages(pair.prompt)
    return [{"role": m["role"], "content": m["content"]} for m in prompt] + [
        {"role": "assistant", "content": pair.completion}
    ]


def chat_rows(pairs: list[Pair]) -> list[dict[str, Any]]:
    return [{"messages": chat_messages(p)} for p in pairs]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_hf_dataset(folder: Path, rows: dict[str, list[dict[str, Any]]]) -> str | None:
    """A DatasetDict (train, validation) saved to `folder`; a one-line note instead when
    the `datasets` package is not installed (it is optional: the JSONL carries the data)."""
    try:
        import datasets
    except ImportError:
        return (
            "datasets is not installed (pip install datasets): "
            "the Hugging Face datasets folder was not written"
        )
    message = datasets.Features(
        {"role": datasets.Value("string"), "content": datasets.Value("string")}
    )
    features = datasets.Features({"messages": [message]})  # a list of messages
    splits = {  # from_dict, not from_list: an empty split keeps its features
        name: datasets.Dataset.from_dict(
            {"messages": [r["messages"] for r in split_rows]}, features=features
        )
        for name, split_rows in rows.items()
    }
    quiet = datasets.is_progress_bar_enabled()  # no bars in a CLI's or the app's output
    if quiet:
        datasets.disable_progress_bars()
    try:
        datasets.DatasetDict(splits).save_to_disk(str(folder))
    finally:
        if quiet:
            datasets.enable_progress_bars()
    return None


def write_merged(adapter: Path, folder: Path, cache_dir: Path) -> None:
    """The adapter folded into the base weights (peft merge_and_unload), as safetensors."""
    from peft import PeftModel

    from advisor.llm.adapters import read_run
    from advisor.llm.base_model import base_model_ref, load_base

    # The base it was trained on: the built-in model, or the folder its run card names.
    try:
        card = json.loads((adapter / "run.json").read_text("utf-8"))
    except (OSError, ValueError):
        card = {}  # read_run below says what is wrong
    ref = base_model_ref(card.get("base_model_path") if isinstance(card, dict) else None)
    read_run(adapter, ref.model_id)  # refuses an adapter of a base model we cannot load
    tok, base = load_base(cache_dir, "float32", ref)
    with warnings.catch_warnings():  # peft calls a transformers API that warns of v6
        warnings.simplefilter("ignore", FutureWarning)
        model = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    model.save_pretrained(folder, safe_serialization=True)
    tok.padding_side = "right"  # load_base pads left for batched generation; restore the usual
    tok.save_pretrained(folder)
