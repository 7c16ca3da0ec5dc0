"""Fine-tune page, last section: a finished run's training data and configs as a zip."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from advisor.errors import AdvisorError
from advisor.ui import state

KEY = "ft_export_"


def finished_runs(folder: Path) -> list[Path]:
    """This workspace's adapter runs with a run card, newest first."""
    if not folder.is_dir():
        return []
    runs = [
        p
        for p in folder.iterdir()  # a hidden folder is a run still being written
        if p.is_dir() and not p.name.startswith(".") and (p / "run.json").exists()
    ]
    return sorted(runs, key=lambda p: p.stat().st_mtime, reverse=True)


def render(current: Path | None) -> None:
    """The export of `current` (the run just trained) or of an earlier run of this
    workspace; nothing when there is no run yet."""
    from advisor.finetune.export import export_zip, read_run_card

    runs = finished_runs(state.adapters_dir())
    if current is not None:
        runs = [current, *(p for p in runs if p != current)]
    if not runs:
        return
    st.subheader("Export training data and configs")
    st.caption(
        "The training and validation pairs as OpenAI chat JSONL and a Hugging Face datasets "
        "folder; TRL, LLaMA-Factory and axolotl configs with this run's LoRA settings; an "
        "Ollama Modelfile with the adapter; a README.txt with the commands. "
        "`advisor finetune export --merged` also writes the merged model."
    )
    if len(runs) > 1:
        run = st.selectbox("Adapter run", runs, format_func=lambda p: p.name, key=KEY + "run")
    else:
        run = runs[0]
    try:
        read_run_card(run)  # cheap: the zip itself is built only when it is asked for
    except AdvisorError as exc:
        st.info(str(exc))
        return
    cache = state.settings().model_cache  # the base weights' folder, looked up, never built
    st.download_button(
        "Download the export (.zip)",
        # Built on click, on its own thread: a page rerun never builds it.
        data=lambda: export_zip(run, cache),
        file_name=f"{run.name}-export.zip",
        mime="application/zip",
        key=KEY + "zip",
        on_click="ignore",
    )
