"""Costs page: inputs from the answers, editable prices, charts and line items."""

from __future__ import annotations

import streamlit as st

from advisor.advice import cost_inputs, folder_prices
from advisor.costs.analysis import cost_report
from advisor.costs.figures import cumulative_figure, line_items_figure, tornado_figure
from advisor.costs.prices import figure_paths, with_values
from advisor.options import OPTIONS
from advisor.ui import state

KEY = "costs_"


def render() -> None:
    st.title("What each approach costs")
    rules = state.rules_or_error()
    if rules is None:
        return
    sheet = folder_prices(rules)
    if sheet is None:
        st.error(f"No prices.yaml in {rules.folder}.")
        return
    base = cost_inputs(rules, state.answers())
    st.caption(
        "Inputs come from your questionnaire answers; change any of them here. "
        f"Price sheet of {sheet.as_of} — edit a price to use your own."
    )
    c1, c2, c3, c4 = st.columns(4)
    months = c1.number_input("Horizon (months)", 1, 240, base.horizon_months, key=KEY + "months")
    queries = c2.number_input(
        "Queries per month",
        0.0,
        1e11,
        float(base.monthly_queries),
        step=1000.0,
        key=KEY + "queries",
    )
    docs = c3.number_input("Documents", 0.0, 1e9, float(base.documents), key=KEY + "docs")
    updates = c4.number_input(
        "Knowledge updates per month",
        0.0,
        720.0,
        float(base.updates_per_month),
        key=KEY + "updates",
    )
    with st.expander("Prices (click a value to edit)"):
        table = [{"figure": k, "value": v} for k, v in figure_paths(sheet).items()]
        edited = st.data_editor(
            table,
            disabled=["figure"],
            key=KEY + "prices",
            use_container_width=True,
            hide_index=True,
        )
    changed = {
        row["figure"]: float(row["value"])
        for row, old in zip(edited, table, strict=False)
        if row["value"] is not None and float(row["value"]) != old["value"]
    }
    if any(v < 0 for v in changed.values()):
        st.error("Prices must be zero or more; negative values are ignored.")
        changed = {k: v for k, v in changed.items() if v >= 0}
    sheet = with_values(sheet, changed, "edited in the app") if changed else sheet
    inputs = base.model_copy(
        update={
            "horizon_months": int(months),
            "monthly_queries": queries,
            "documents": docs,
            "updates_per_month": updates,
        }
    )
    report = cost_report(inputs, sheet)
    st.session_state["cost_report"] = report
    cols = st.columns(4)
    for col, (a, c) in zip(
        cols,
        sorted(report["approaches"].items(), key=lambda kv: kv[1]["cumulative"][-1]),
        strict=False,
    ):
        col.metric(OPTIONS[a], f"${c['cumulative'][-1]:,.0f}")
        col.caption(f"${c['one_time']:,.0f} once + ${c['monthly']:,.0f} a month")
    st.plotly_chart(cumulative_figure(report), use_container_width=True, key=KEY + "cum")
    st.markdown("**Break-even**")
    st.table(
        [
            {"approach": OPTIONS[b["investment"]], "vs": OPTIONS[b["other"]], "when": b["text"]}
            for b in report["break_even"]
        ]
    )
    st.plotly_chart(line_items_figure(report), use_container_width=True, key=KEY + "items")
    for a, c in report["approaches"].items():
        with st.expander(f"{OPTIONS[a]}: line items and formulas"):
            st.table(
                [
                    {
                        "item": i["name"],
                        "kind": i["kind"].replace("_", "-"),
                        "amount": f"${i['amount']:,.2f}",
                        "formula": i["formula"],
                    }
                    for i in c["line_items"]
                ]
            )
    pick = st.selectbox(
        "Sensitivity of", list(report["approaches"]), format_func=OPTIONS.get, key=KEY + "tornado"
    )
    st.plotly_chart(tornado_figure(report, pick), use_container_width=True, key=KEY + "tor")
