"""Per-session state shared by the pages: answers, cost edits, workspace, demo results.

The verdict, the cost report and the downloadable report all come from here, built
with the same answers, the same edited prices and the same cost inputs: what the Costs
page changes is what the Questionnaire reasons with and what the Report says.

The work is also kept in the workspace (advisor.workspace): it is read back when a
session opens a `?ws=` link (`_restore`), and `persist()` writes it after each run of a
page that changed it. So a reload, or the link opened elsewhere, finds the same answers, edits,
questions asked, trained adapter and the Compare page's question set, and the report is built
from that one state.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict
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
ASKED = "rag_answers"  # questions asked of the documents, with their answers (the report's)
ADAPTER = "lora_adapter"  # folder name of the adapter the Fine-tune page trained last
KEPT = "kept_text"  # the workspace file's text as last saved or read: saved only on a change
NOTICES = "kept_notices"  # why saved work could not all be restored, shown on the page
QUESTIONS = "compare_questions"  # the Compare page's question set as chosen (QuestionChoice)


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


_PAGES: dict[str, Any] = {}  # url path -> the st.Page app.py registered (for links)


def register_pages(pages: dict[str, Any]) -> None:
    """The app's pages by url path, so a page can link to another without importing it."""
    _PAGES.update(pages)


def page_link(url_path: str, label: str) -> None:
    """A link to another page of the app (the same session: nothing is reloaded)."""
    page = _PAGES.get(url_path)
    if page is not None:
        st.page_link(page, label=label, icon=":material/arrow_forward:")


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
        if ws == given:
            _restore()
    if _WS_ID.fullmatch(ws) and st.query_params.get(WS_PARAM) != ws:
        st.query_params[WS_PARAM] = ws
    return ws


def collection() -> str:
    return f"ws-{workspace()}"


def adapters_dir() -> Path:
    return settings().data_dir / "adapters" / collection()


def _restore() -> None:
    """Read this workspace's saved work into the session; what does not check out against
    today's rules and prices is dropped, with a line saying what (kept in NOTICES)."""
    from advisor import workspace
    from advisor.decision.questions import validate_answers

    notices: list[str] = []
    st.session_state[NOTICES] = notices
    s = settings()
    try:
        kept, problem = workspace.load(s.data_dir, collection())
        ruleset = rules(str(s.rules_dir))
    except AdvisorError as exc:
        notices.append(str(exc))
        return
    if problem:
        notices.append(problem)
    good, problems = validate_answers(ruleset.questionnaire, kept.answers, {})
    if problems:
        notices.append(f"Saved answers dropped, as the questionnaire changed: {problems[0]}")
    st.session_state[ANSWERS] = good
    sheet = advice.folder_prices(ruleset)
    known = figure_paths(sheet) if sheet is not None else {}
    edits = {k: v for k, v in kept.price_edits.items() if k in known}
    if len(edits) < len(kept.price_edits):
        gone = ", ".join(k for k in kept.price_edits if k not in known)
        notices.append(f"Saved price edits dropped, not on today's price sheet: {gone}")
    try:
        advice.price_sheet(ruleset, edits)
        st.session_state[PRICE_EDITS] = edits
    except AdvisorError as exc:
        notices.append(f"Saved price edits dropped: {exc}")
    try:
        advice.cost_inputs(ruleset, good, **kept.input_edits)
        st.session_state[INPUT_EDITS] = dict(kept.input_edits)
    except (AdvisorError, TypeError) as exc:
        notices.append(f"Saved cost inputs dropped: {str(exc).splitlines()[0]}")
    st.session_state[ASKED] = [a.model_dump() for a in kept.asked]
    if kept.adapter and (adapters_dir() / kept.adapter / "run.json").is_file():
        st.session_state[ADAPTER] = kept.adapter
    st.session_state[QUESTIONS] = kept.questions.model_dump(exclude_defaults=True)
    st.session_state[KEPT] = workspace.dump(_kept())


def notices() -> list[str]:
    """Why some saved work was not restored (empty when all of it was)."""
    return st.session_state.get(NOTICES, [])


def _kept():
    from advisor import workspace

    asked = [a if isinstance(a, dict) else asdict(a) for a in asked_questions()]
    return workspace.WorkspaceState(
        answers=dict(answers()),
        price_edits=dict(price_edits()),
        input_edits=dict(input_edits()),
        asked=asked[-workspace.MAX_ASKED :],
        adapter=st.session_state.get(ADAPTER),
        questions=workspace.QuestionChoice(**question_choice()),
    )


def persist() -> None:
    """Save the session's work into its workspace when it changed since the last save.

    Called after every full run of a page; a failure to write (a full or read-only data
    folder) is one line on the page, and the work stays in the session."""
    from pydantic import ValidationError

    from advisor import workspace

    try:
        kept = _kept()
    except ValidationError as exc:  # e.g. an answer with a score that is not finite
        st.warning(f"Your work is kept in this browser tab only: {exc.errors()[0]['msg']}")
        return
    text = workspace.dump(kept)
    if text == st.session_state.get(KEPT, workspace.dump(workspace.WorkspaceState())):
        return
    try:
        workspace.save(settings().data_dir, collection(), kept)
    except AdvisorError as exc:
        st.warning(f"Your work is kept in this browser tab only: {exc}")
        return
    st.session_state[KEPT] = text


def asked_questions() -> list[Any]:
    """Questions asked of the documents in this workspace, oldest first (answers or dicts)."""
    return st.session_state.setdefault(ASKED, [])


def question_choice() -> dict[str, Any]:
    """The Compare page's question set as the user chose it (QuestionChoice's fields:
    source, file, typed); empty until they choose, so the page picks its default."""
    return st.session_state.setdefault(QUESTIONS, {})


def choose_questions(**choice: Any) -> None:
    """Keep the user's choice of question set (persist() then saves it in the workspace)."""
    st.session_state[QUESTIONS] = {**question_choice(), **choice}


def set_adapter(folder: Path) -> None:
    """The adapter the Fine-tune page trained last: the one the report describes."""
    st.session_state[ADAPTER] = folder.name


def adapter() -> Path | None:
    """The adapter trained last in this workspace, if its folder is still there."""
    name = st.session_state.get(ADAPTER)
    folder = adapters_dir() / name if name else None
    return folder if folder is not None and (folder / "run.json").is_file() else None


# what the report reads from a run card (advisor.finetune.train writes them all)
RUN_KEYS = {
    "status", "base_model", "steps", "wall_seconds", "tokens_per_second", "peak_memory_mb",
    "train_loss", "val_loss",
}  # fmt: skip


def lora_run() -> dict[str, Any] | None:
    """run.json of that adapter, with its folder name as `adapter`; None without one."""
    from advisor.files import Refused, read_bounded

    folder = adapter()
    if folder is None:
        return None
    try:
        run = json.loads(read_bounded(folder / "run.json", 4 * 1024 * 1024))
    except (OSError, Refused, ValueError):
        return None
    if not isinstance(run, dict) or not run.keys() >= RUN_KEYS:
        return None  # not a run card this version wrote: nothing to report from
    return {**run, "adapter": folder.name}


def document_upload_mb() -> int:
    """The per-file limit ingestion applies (ADVISOR_MAX_FILE_MB), for every document
    uploader: it never offers a file that ingestion then refuses."""
    import math

    return max(1, math.ceil(settings().max_file_mb))


def yaml_upload_mb() -> int:
    """The limit every YAML or CSV file is read with (answers, question files)."""
    import math

    from advisor.yamlio import MAX_BYTES

    return max(1, math.ceil(MAX_BYTES / 1024 / 1024))


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
    from advisor.compare.history import load_latest
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


def report(rules: RuleSet):
    """The downloadable report, built from the workspace's one state: the same answers,
    prices and inputs as the pages, its questions asked, its adapter, its comparison."""
    from advisor.report.model import build_report

    return build_report(
        rules,
        answers(),
        prices=price_sheet(rules),
        cost_overrides=cost_overrides(),
        rag_answers=asked_questions(),
        lora_run=lora_run(),
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
