"""The sidebar's base model: the built-in SmolLM2, or a local folder of the user's own.

The folder is checked when it is entered (a causal LM with weights and a tokenizer;
advisor.llm.base_model) and kept in this session's settings: every page's answers,
training and comparison use it. Nothing is checked, and no model library imported,
until a folder is entered.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from advisor.errors import AdvisorError

KEY = "model_picker_"
CHOSEN = KEY + "chosen"  # absent: ADVISOR_BASE_MODEL's; "": the built-in model; else a folder
ERROR = KEY + "error"


def chosen(default: Path | None) -> Path | None:
    """This session's base model folder; None is the built-in model."""
    if CHOSEN not in st.session_state:
        return default
    value = st.session_state[CHOSEN]
    return Path(value) if value else None


def _check() -> None:
    """The text input's callback: keep the folder when it is a causal LM, else say why."""
    text = str(st.session_state.get(KEY + "path", "")).strip()
    st.session_state.pop(ERROR, None)
    if not text:
        st.session_state[CHOSEN] = ""
        return
    from advisor.llm.base_model import check_base_model

    try:
        ref = check_base_model(Path(text))
    except AdvisorError as exc:
        st.session_state[ERROR] = str(exc)
        return
    assert ref.path is not None
    st.session_state[CHOSEN] = str(ref.path)


def render(default: Path | None) -> None:
    """The picker, in the sidebar."""
    current = chosen(default)
    if KEY + "path" not in st.session_state:
        st.session_state[KEY + "path"] = str(current) if current else ""
    st.text_input(
        "Base model folder",
        key=KEY + "path",
        placeholder="built-in SmolLM2-135M-Instruct",
        on_change=_check,
        help="A local Hugging Face folder of a causal language model (config.json, "
        "weights, tokenizer). Answers, training and the comparison use it; an adapter "
        "trained on another base model is refused. Empty: the built-in model.",
    )
    error = st.session_state.get(ERROR)
    if error:
        st.error(error, icon=":material/error:")
    elif current is not None:
        st.caption(f"Base model: `{current.name}` (your folder)")
