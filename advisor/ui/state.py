"""Per-session state shared by the pages: answers, workspace, demo results."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import streamlit as st

from advisor.advice import load_folder
from advisor.decision.loader import RuleSet
from advisor.errors import AdvisorError
from advisor.settings import Settings, get_settings


@st.cache_resource(show_spinner=False)
def rules(folder: str) -> RuleSet:
    """The rules folder, loaded and checked once per process; read-only, shared by every session."""
    return load_folder(folder).rules


def rules_or_error() -> RuleSet | None:
    """The configured rules, or None after showing the one-line error on the page."""
    try:
        return rules(str(settings().rules_dir))
    except AdvisorError as exc:
        st.error(str(exc))
        return None


def settings() -> Settings:
    return get_settings()


def workspace() -> str:
    """This browser session's own workspace id: its collection and its adapters."""
    if "ws_id" not in st.session_state:
        st.session_state["ws_id"] = uuid.uuid4().hex[:10]
    return st.session_state["ws_id"]


def collection() -> str:
    return f"ws-{workspace()}"


def adapters_dir() -> Path:
    return settings().data_dir / "adapters" / collection()


def answers() -> dict[str, Any]:
    """The questionnaire answers of this session (question id -> value)."""
    return st.session_state.setdefault("answers", {})


def pipeline():
    """This session's RAG pipeline (models inside are shared, read-only, per process)."""
    if "rag_pipeline" not in st.session_state:
        from advisor.rag.pipeline import RagPipeline

        st.session_state["rag_pipeline"] = RagPipeline(settings(), collection())
    return st.session_state["rag_pipeline"]
