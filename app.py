"""The Streamlit app: a router and a shared sidebar. Pages live in advisor/ui/."""

import streamlit as st

from advisor.ui import questionnaire

st.set_page_config(page_title="RAG or fine-tune? Advisor", page_icon="🧭", layout="wide")
page = st.navigation([st.Page(questionnaire.render, title="Questionnaire", icon="🧭",
                              url_path="questionnaire", default=True)])
with st.sidebar:
    st.caption("Should you use RAG, fine-tune, do both, or fix the prompt? "
               "Every verdict shows the rules, answers and sources behind it.")
page.run()
