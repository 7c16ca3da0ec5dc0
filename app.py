"""The Streamlit app: a router and a shared sidebar. Pages live in advisor/ui/."""

from pathlib import Path

import streamlit as st

from advisor import log
from advisor.errors import AdvisorError
from advisor.settings import get_settings
from advisor.terminal import visible
from advisor.ui import (
    compare,
    costs,
    documents,
    finetune,
    model_picker,
    questionnaire,
    report,
    state,
)

log.configure()  # quiet unless ADVISOR_LOG_LEVEL asks for more

# The icon is a file served by the app itself: a Material icon as the page icon made the
# browser fetch it from a public font host, which fails offline.
ICON = Path(__file__).resolve().parent / "advisor" / "ui" / "assets" / "icon.png"
st.set_page_config(page_title="RAG or fine-tune? Advisor", page_icon=str(ICON), layout="wide")
# by url path: the default page's own url_path reads "" (the app's root)
pages = {
    "questionnaire": st.Page(
        questionnaire.render,
        title="Questionnaire",
        icon=":material/explore:",
        url_path="questionnaire",
        default=True,
    ),
    "costs": st.Page(costs.render, title="Costs", icon=":material/payments:", url_path="costs"),
    "documents": st.Page(
        documents.render,
        title="Your documents (RAG)",
        icon=":material/description:",
        url_path="documents",
    ),
    "finetune": st.Page(
        finetune.render,
        title="Fine-tune (LoRA)",
        icon=":material/model_training:",
        url_path="finetune",
    ),
    "compare": st.Page(
        compare.render,
        title="Compare side by side",
        icon=":material/compare:",
        url_path="compare",
    ),
    "report": st.Page(
        report.render, title="Report", icon=":material/summarize:", url_path="report"
    ),
}
state.register_pages(pages)  # so a page can link to another
page = st.navigation(list(pages.values()))
with st.sidebar:
    st.caption(
        "Should you use RAG, fine-tune, do both, or fix the prompt? Every verdict shows "
        "the rules, answers and sources behind it."
    )
    model_picker.render(get_settings().base_model)
    s = state.settings()  # with this session's base model
    st.caption(
        f"Workspace `{state.workspace()}` · generator `{s.generator}` · "
        f"base model `{s.base_model.name if s.base_model else 'built-in'}` · "
        f"device `{s.device}` · vector store `{s.chroma_url or 'embedded'}`"
    )
for notice in state.notices():  # saved work that could not all be restored, and why
    st.warning(visible(notice), icon=":material/history:")
try:
    page.run()
except AdvisorError as exc:
    # a fault a page did not expect (a data folder that is read-only or full, a store that
    # is not a database): one line on the page, the app keeps running
    st.error(visible(exc), icon=":material/error:")
state.persist()  # the work this run changed goes into the workspace: a reload finds it
