"""Compare page, under the results: the workspace's kept runs, and two of them side by
side (advisor.compare.history: per arm, the correct shares, B minus A on the same
questions with a paired interval, the questions that flipped, the settings that differ)."""

from __future__ import annotations

import streamlit as st

from advisor.ui import state, wording

KEY = "cmp_"


def render() -> None:
    """The workspace's kept runs, and two of them side by side (advisor.compare.history)."""
    from advisor.compare.history import diff, list_runs
    from advisor.compare.stats import points

    kept = [k for k in list_runs(state.settings(), state.collection()) if k.run is not None]
    with st.expander(f"Earlier runs of this workspace ({len(kept)} kept)", expanded=False):
        if len(kept) < 2:
            st.caption("Run the comparison again (other settings, another adapter) to see "
                       "what changed: every run is kept.")  # fmt: skip
            return
        ids = [k.id for k in kept]
        left, right = st.columns(2)
        a = left.selectbox("Run A", ids, index=1, key=KEY + "hist_a")
        b = right.selectbox("Run B", ids, index=0, key=KEY + "hist_b")
        runs = {k.id: k.run for k in kept}
        d = diff(runs[a], runs[b])
        from advisor.compare.figures import short

        def share(stat: dict | None) -> str:
            return f"{stat['mean']:.0%} (n={stat['n']})" if stat else "not run"

        st.dataframe(
            [
                {
                    "arm": short(x.arm),
                    "correct in A": share(x.a),
                    "correct in B": share(x.b),
                    "B minus A, same questions": points(x.paired) if x.paired else "n/a",
                    "now right": ", ".join(x.now_right) or "-",
                    "now wrong": ", ".join(x.now_wrong) or "-",
                }
                for x in d.arms
            ],
            hide_index=True,
            width="stretch",
            key=KEY + "hist_grid",
        )
        if not d.same_questions:
            st.caption(f"The question sets differ ({len(d.only_a)} only in A, "
                       f"{len(d.only_b)} only in B): the paired figures use the questions "
                       "both asked.")  # fmt: skip
        if d.settings:
            st.markdown("**What differs:** " + "; ".join(
                f"{k}: {wording.as_text(repr(va))} → {wording.as_text(repr(vb))}"
                for k, (va, vb) in d.settings.items()))  # fmt: skip
        else:
            st.caption("Same settings, models, adapter and question set.")
