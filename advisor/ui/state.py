"""Per-session state shared by the pages: answers, cost edits, workspace, demo results.

The verdict, the cost report and the downloadable report all come from here, built
with the same answers, the same edited prices and the same cost inputs: what the Costs
page changes is what the Questionnaire reasons with and what the Report says.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import streamlit as st

from advisor import advice
from advisor.costs.inputs import CostInputs
from advisor.costs.prices import PriceSheet, figure_paths
from advisor.decision.engine import Recommendation
from advisor.decision.loader import RuleSet
from advisor.errors import AdvisorError
from advisor.settings import Settings, get_settings

# Session-state keys shared between pages (widget keys carry their page's prefix).
ANSWERS = "answers"
PRICE_EDITS = "cost_price_edits"  # figure path -> value, edited on the Costs page
INPUT_EDITS = "cost_input_edits"  # cost input name -> value (the horizon included)


@st.cache_resource(show_spinner=False)
def rules(folder: str) -> RuleSet:
    """The rules folder, loaded and checked once per process; read-only, shared by every session."""
    return advice.load_folder(folder).rules


def rules_or_error() -> RuleSet | None:
    """The configured rules, or None after showing the one-line error on the page."""
    try:
        return rules(str(settings().rules_dir))
    except AdvisorError as exc:
        st.error(str(exc))
        return None


def settings() -> Settings:
    """The process's settings with this session's base model (the sidebar's picker)."""
    from advisor.ui.model_picker import chosen

    base = get_settings()
    model = chosen(base.base_model)
    return base if model == base.base_model else base.model_copy(update={"base_model": model})


WS_PARAM = "ws"  # the workspace id in the page's URL: a reload finds the same workspace
_WS_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex: 122 random bits, never guessed


def workspace() -> str:
    """This browser session's own workspace id: its collection, adapters and comparisons.

    Kept in the session and in the URL (`?ws=...`), so reloading the page keeps the
    workspace, and nothing is left behind by a reload. An id in the URL that is not one of
    ours (wrong length, not hex) is ignored: the session gets a new workspace.
    """
    ws = st.session_state.get("ws_id")
    if ws is None:
        given = st.query_params.get(WS_PARAM, "")
        ws = given if _WS_ID.fullmatch(given) else uuid.uuid4().hex
        st.session_state["ws_id"] = ws
    if _WS_ID.fullmatch(ws) and st.query_params.get(WS_PARAM) != ws:
        st.query_params[WS_PARAM] = ws
    return ws


def collection() -> str:
    return f"ws-{workspace()}"


def adapters_dir() -> Path:
    return settings().data_dir / "adapters" / collection()


def answers() -> dict[str, Any]:
    """The questionnaire answers of this session (question id -> value)."""
    return st.session_state.setdefault(ANSWERS, {})


# --- Cost edits: kept in session state, not in widgets, so they outlive the page -------


def price_edits() -> dict[str, float]:
    """Prices edited on the Costs page (figure path -> value); empty: the sheet's own."""
    return st.session_state.setdefault(PRICE_EDITS, {})


def input_edits() -> dict[str, Any]:
    """Cost inputs edited on the Costs page (name -> value), over those the answers give."""
    return st.session_state.setdefault(INPUT_EDITS, {})


def save_price_edits(rules: RuleSet, values: dict[str, float]) -> None:
    """Keep the prices that differ from the folder's sheet; a value set back is dropped."""
    sheet = advice.folder_prices(rules)
    if sheet is None:
        return
    original = figure_paths(sheet)
    edits = price_edits()
    for path, value in values.items():
        if path in original and value != original[path]:
            edits[path] = value
        else:
            edits.pop(path, None)


def save_input_edits(rules: RuleSet, values: dict[str, Any]) -> None:
    """Keep the cost inputs that differ from what the answers give; others follow the answers."""
    base = base_cost_inputs(rules)
    edits = input_edits()
    for name, value in values.items():
        if value != getattr(base, name):
            edits[name] = value
        else:
            edits.pop(name, None)


def reset_cost_edits() -> None:
    price_edits().clear()
    input_edits().clear()


def price_sheet(rules: RuleSet) -> PriceSheet | None:
    """The folder's price sheet with this session's edits; None without a prices.yaml."""
    return advice.price_sheet(rules, dict(price_edits()))


def cost_overrides() -> dict[str, Any]:
    """The cost inputs this session set by hand (for the verdict, the report, the page)."""
    return dict(input_edits())


def base_cost_inputs(rules: RuleSet) -> CostInputs:
    """The cost inputs the answers alone give."""
    return advice.cost_inputs(rules, answers())


def cost_inputs(rules: RuleSet) -> CostInputs:
    """The cost inputs of this session: the answers', then the Costs page's edits."""
    return advice.cost_inputs(rules, answers(), **cost_overrides())


def comparison() -> Any:
    """The workspace's latest comparison run (the Compare page's, or the saved one)."""
    run = st.session_state.get("compare_run")
    if run is not None:
        return run
    from advisor.compare.session import load_latest
    from advisor.errors import AdvisorError

    try:
        return load_latest(settings(), collection())
    except AdvisorError:
        return None  # the Compare page says what is wrong with the file


def evidence() -> dict[str, float]:
    """The measured facts of the latest comparison run; empty without one."""
    run = comparison()
    if run is None:
        return {}
    from advisor.compare.evidence import change_facts

    return change_facts(run)


def recommendation(rules: RuleSet) -> Recommendation:
    """The verdict for this session: its answers, with cost facts at its prices and inputs,
    and the measured facts of the workspace's latest comparison run."""
    return advice.recommend(
        rules,
        answers(),
        prices=price_sheet(rules),
        cost_overrides=cost_overrides(),
        evidence=evidence(),
    )


def report(rules: RuleSet, rag_answers: list[dict[str, Any]], lora_run: dict[str, Any] | None):
    """The downloadable report, built from the same answers, prices and inputs."""
    from advisor.report.model import build_report

    return build_report(
        rules,
        answers(),
        prices=price_sheet(rules),
        cost_overrides=cost_overrides(),
        rag_answers=rag_answers,
        lora_run=lora_run,
        comparison=comparison(),
    )


def pipeline():
    """This session's RAG pipeline (models inside are shared, read-only, per process),
    made again when the session picks another base model."""
    s = settings()
    model = str(s.base_model or "")
    if "rag_pipeline" not in st.session_state or st.session_state.get("rag_model") != model:
        from advisor.rag.models import pipeline_models
        from advisor.rag.pipeline import RagPipeline

        st.session_state["rag_pipeline"] = RagPipeline(s, collection(), **pipeline_models(s))
        st.session_state["rag_model"] = model
    return st.session_state["rag_pipeline"]
