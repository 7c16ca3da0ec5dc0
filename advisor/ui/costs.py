"""Costs page: inputs from the answers, editable prices, charts and line items.

What is changed here belongs to the workspace (state.py), not to the widgets: it survives
leaving the page and reloading it, and the verdict and the report use it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from advisor.costs.analysis import cost_report
from advisor.costs.figures import (
    break_even_sentence,
    cumulative_figure,
    line_items_figure,
    price_name,
    price_unit,
    tornado_figure,
)
from advisor.costs.inputs import CostInputs
from advisor.costs.prices import PriceSheet, figure_paths
from advisor.errors import AdvisorError
from advisor.options import OPTIONS
from advisor.ui import state

KEY = "costs_"


def render() -> None:
    st.title("What each approach costs")
    rules = state.rules_or_error()
    if rules is None:
        return
    sheet = state.price_sheet(rules)
    if sheet is None:
        st.error(f"No prices.yaml in {rules.folder}.")
        return
    try:
        inputs = state.cost_inputs(rules)
    except AdvisorError as exc:
        st.error(str(exc))
        return
    st.caption(
        "Inputs come from your questionnaire answers; change any of them here. "
        f"Price sheet of {sheet.as_of}: edit a price to use your own. Your changes are "
        "kept in this workspace (they survive a reload) and feed the verdict and the report."
    )
    if note := sheet.age_note():
        st.warning(note)
    _inputs(rules, inputs)
    _prices(rules, sheet)
    if state.price_edits() or state.input_edits():
        st.button("Reset to the answers and the price sheet", key=KEY + "reset", on_click=_reset)
    try:
        report = cost_report(state.cost_inputs(rules), state.price_sheet(rules))
    except AdvisorError as exc:
        st.error(str(exc))
        return
    st.session_state["cost_report"] = report
    ruled = state.recommendation(rules).ruled_out
    if ruled:  # priced for comparison, but the answers make them infeasible
        st.warning(
            "Ruled out by your answers, shown only for comparison: "
            + "; ".join(f"{OPTIONS[r.option]} ({r.title.lower()})" for r in ruled)
        )
    _charts(report, state.price_sheet(rules))


EDIT_WIDGETS = ("months", "queries", "docs", "updates", "prices")


def _reset() -> None:
    """Drop the session's edits; the widgets then start again from the answers and sheet."""
    state.reset_cost_edits()
    for name in EDIT_WIDGETS:
        st.session_state.pop(KEY + name, None)


def _inputs(rules, inputs: CostInputs) -> None:
    c1, c2, c3, c4 = st.columns(4)
    values: dict[str, Any] = {
        "horizon_months": c1.number_input(
            "Horizon (months)", 1, 240, inputs.horizon_months, key=KEY + "months"
        ),
        "monthly_queries": c2.number_input(
            "Queries per month",
            0,
            100_000_000_000,
            round(inputs.monthly_queries),
            step=1000,
            key=KEY + "queries",
        ),
        "documents": c3.number_input(
            "Documents", 0, 1_000_000_000, round(inputs.documents), key=KEY + "docs"
        ),
        "updates_per_month": c4.number_input(
            "Knowledge updates per month",
            0.0,
            720.0,
            float(inputs.updates_per_month),
            key=KEY + "updates",
        ),
    }
    state.save_input_edits(rules, values)


def _prices(rules, sheet: PriceSheet) -> None:
    paths = list(figure_paths(sheet))
    table = [
        {
            "price": price_name(p),
            "value": v,
            "unit": price_unit(p, sheet.currency),
            "source": _source(sheet, p),
        }
        for p, v in figure_paths(sheet).items()
    ]
    with st.expander("Prices (click a value to edit)"):
        edited = st.data_editor(
            table,
            disabled=["price", "unit", "source"],
            key=KEY + "prices",
            width="stretch",
            hide_index=True,
            row_height=68,  # over 4rem, so Streamlit wraps long sources
            height=480,
            column_config={
                "price": st.column_config.TextColumn("Price", width=240),
                "value": st.column_config.NumberColumn("Value", min_value=0.0, width=80),
                "unit": st.column_config.TextColumn("Unit", width=180),
                "source": st.column_config.TextColumn("Source", width=400),
            },
        )
    values = {p: row["value"] for p, row in zip(paths, edited, strict=True)}
    if any(v is None or v < 0 for v in values.values()):
        st.error("Prices must be numbers of zero or more; the others are kept.")
    state.save_price_edits(
        rules, {p: float(v) for p, v in values.items() if v is not None and v >= 0}
    )


def _source(sheet: PriceSheet, path: str) -> str:
    node: Any = sheet
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node.source


def _charts(report: dict[str, Any], sheet: PriceSheet | None) -> None:
    cols = st.columns(4)
    ranked = sorted(report["approaches"].items(), key=lambda kv: kv[1]["cumulative"][-1])
    for col, (a, c) in zip(cols, ranked, strict=False):
        col.metric(OPTIONS[a], f"${c['cumulative'][-1]:,.0f}")
        col.caption(f"${c['one_time']:,.0f} once + ${c['monthly']:,.0f} a month")
    st.plotly_chart(cumulative_figure(report), width="stretch", key=KEY + "cum")
    st.markdown("**Break-even**")
    st.table(
        [
            {
                "between": f"{OPTIONS[b['investment']]} and {OPTIONS[b['other']]}",
                "which is cheaper": break_even_sentence(b, report),
            }
            for b in report["break_even"]
        ]
    )
    st.plotly_chart(line_items_figure(report), width="stretch", key=KEY + "items")
    for a, c in report["approaches"].items():
        with st.expander(f"{OPTIONS[a]}: line items and formulas"):
            st.table(
                [
                    {
                        "item": i["name"],
                        "kind": "once" if i["kind"] == "one_time" else "per month",
                        "amount": f"${i['amount']:,.2f}",
                        "formula": i["formula"],
                    }
                    for i in c["line_items"]
                ]
            )
    pick = st.selectbox(
        "Sensitivity of", list(report["approaches"]), format_func=OPTIONS.get, key=KEY + "tornado"
    )
    sources = {p: _source(sheet, p) for p in figure_paths(sheet)} if sheet else {}
    st.plotly_chart(tornado_figure(report, pick, sources), width="stretch", key=KEY + "tor")
