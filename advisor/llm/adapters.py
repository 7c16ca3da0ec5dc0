"""The run card (run.json) of a LoRA adapter folder: what a generator needs to trust it.

Training writes the card last (advisor.finetune.train), so a folder without one is an
unfinished run. The card names the base model the adapter was trained on (the built-in model's name, or a
user's folder's identity, advisor.llm.base_model); an adapter only makes sense on that base.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError

RUN_FILE = "run.json"
ADAPTER_CONFIG = "adapter_config.json"  # written by peft's save_pretrained


def read_run(adapter_dir: Path, base_model_id: str | None = None) -> dict[str, Any]:
    """run.json of a finished adapter for `base_model_id`; a clear error for anything else."""
    if base_model_id is None:
        from advisor.llm.embedded import MODEL_ID  # the only base model we ship

        base_model_id = MODEL_ID
    run_file = adapter_dir / RUN_FILE
    if not adapter_dir.is_dir():
        raise AdvisorError(f"{adapter_dir}: no such adapter folder")
    if not run_file.exists() or not (adapter_dir / ADAPTER_CONFIG).exists():
        raise AdvisorError(
            f"{adapter_dir}: not a finished adapter (no {RUN_FILE} or {ADAPTER_CONFIG})"
        )
    try:
        run = json.loads(run_file.read_text())
    except json.JSONDecodeError as exc:
        raise AdvisorError(f"{run_file}: unreadable ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(run, dict):
        raise AdvisorError(f"{run_file}: unreadable (not a JSON object)")
    trained_on = run.get("base_model")
    if trained_on != base_model_id:
        folder = run.get("base_model_path")
        where = f" ({folder})" if isinstance(folder, str) and folder else ""
        raise AdvisorError(
            f"{adapter_dir}: adapter was trained on {trained_on!r}{where} and needs that base "
            f"model; this one is {base_model_id!r} (ADVISOR_BASE_MODEL or --base-model)"
        )
    return run


def partial_note(run: dict[str, Any]) -> str:
    """ "" for a complete run; else how it is partial, to stand beside its name everywhere."""
    status = run.get("status", "complete")
    if status == "complete":
        return ""
    steps, total = run.get("steps"), (run.get("params") or {}).get("max_steps")
    done = f" after {steps} steps" if steps is not None else ""
    return f"partial: {status}{done}" + (f" of {total}" if total else "")


def label(adapter_dir: Path) -> str:
    """An adapter's name as selectors show it, marked when the run was cut short."""
    try:
        run = json.loads((adapter_dir / RUN_FILE).read_text())
    except (OSError, ValueError):
        return adapter_dir.name
    note = partial_note(run) if isinstance(run, dict) else ""
    return f"{adapter_dir.name} ({note})" if note else adapter_dir.name
