"""One update or forget on the Compare page: its figures, a grid of what each arm stated
before and after per question, and any question's answers side by side per arm (the
controls are in compare_change.py)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from advisor.ui import state, wording

KEY = "chg_"
UPDATE_MARK = {"new": "✓ new", "old": "✗ old", "both": "~ both", "-": "· neither", "n/a": ""}
FORGET_MARK = {"stated": "⚠ says it", "-": "✓ silent", "n/a": ""}
GRID_MARK = {
    "update": {"new": "✓", "old": "✗", "both": "~", "-": "·", "n/a": ""},
    "forget": {"stated": "⚠", "-": "✓", "n/a": ""},
}
LEGEND = {
    "update": "✓ states the new fact, ✗ still the old one, ~ both, · neither; not learned: "
    "the adapter did not state the old fact before the update, so it cannot go stale",
    "forget": "⚠ still states the document's answer, ✓ does not; not learned: the adapter "
    "did not state it before the forget, so it cannot leak",
}
PER_ROW = 3  # metrics side by side: their labels stay whole


def _arm(name: str) -> Any:
    from advisor.compare.arms import REGISTRY

    return REGISTRY.get(name)


def _label(arm: str) -> str:
    cls = _arm(arm)
    return cls.label if cls else arm


def _retrieval(arm: str) -> bool:
    return bool(_arm(arm) and _arm(arm).uses_retrieval)


def _adapter(arm: str) -> bool:
    return bool(_arm(arm) and _arm(arm).needs_adapter)


def _of(part: int, whole: int) -> str:
    return f"{part} of {whole}"


def _retrain_figure(r: Any, name: str) -> list[tuple[str, str, str]]:
    card = r.retrain or {}
    if card.get("train_seconds") is None:
        return []
    tps = card.get("tokens_per_second")
    help_ = f"The adapter's own training run ({card.get('run_id')})" + (
        f", {tps:,.0f} tokens/s." if tps else "."
    )
    if not card.get("train_seconds_measured", True):
        help_ += (
            f" The run was {card.get('partial') or 'partial'}: this is the estimate for a "
            "whole run from the tokens it saw, not a measured run."
        )
        return [(name + " (estimate)", f"about {card['train_seconds']:.0f} s", help_)]
    return [(name, f"{card['train_seconds']:.0f} s", help_)]


def _update_figures(r: Any) -> list[tuple[str, str, str]]:
    from advisor.compare.change.text import known_line, seconds

    first, stale = [], []
    for arm, m in r.arms.items():
        if _retrieval(arm):
            first.append((
                f"First correct answer · {arm}",
                seconds(m["seconds_to_first_correct"]),
                f"From the start of the update (re-ingest {r.change_seconds:.1f} s included) "
                f"to its first answer stating a new fact. New facts stated: "
                f"{_of(m['new_stated'], m['n'])}; old still stated: "
                f"{_of(m['old_stated'], m['n'])}.",
            ))  # fmt: skip
        if _adapter(arm):
            known = m.get("knew")
            over_all = (  # over every changed question: a 0 there would read as a result
                f"New facts stated after the update: {_of(m['new_stated'], m['n'])}."
                if known == 0
                else f"Old facts stated over all changed questions: "
                f"{_of(m['old_stated'], m['n'])}; new: {_of(m['new_stated'], m['n'])}."
            )
            stale.append((
                f"Stale, of what it knew · {arm}",
                "n/a" if known is None  # recorded before these figures existed
                else "not learned" if not known else _of(m["knew_still_old"], known),
                known_line(arm, m, "update") + ". " + over_all,
            ))  # fmt: skip
    return first + stale + _retrain_figure(r, "Retrain wall time (this machine)")


def _forget_figures(r: Any) -> list[tuple[str, str, str]]:
    from advisor.compare.change.text import known_line

    figures = []
    doc = ", ".join(r.documents)
    for arm, m in r.arms.items():
        leak = "n/a" if m["leak_rate"] is None else f"{m['leak_rate']:.0%}"
        if _retrieval(arm):
            figures.append((
                f"Chunks still retrieved · {arm}",
                f"{m['chunks_after']}",
                f"Chunks of {doc} among those retrieved for its questions (before the "
                f"forget: {m['chunks_before']}). Must be 0.",
            ))  # fmt: skip
        if _adapter(arm):
            known = m.get("knew")
            figures.append((
                f"Leaked, of what it knew · {arm}",
                "n/a" if known is None  # recorded before these figures existed
                else "not learned" if not known else _of(m["leaked"], known),
                known_line(arm, m, "forget")
                + ("." if known == 0 else f". Over all its questions: {leak}."),
            ))  # fmt: skip
        elif _retrieval(arm):
            figures.append((
                f"Leak rate · {arm}",
                leak,
                f"Reference answers of {doc} still stated: {_of(m['stated_after'], m['n'])} "
                f"(before: {m['stated_before']}).",
            ))  # fmt: skip
    return figures + _retrain_figure(r, "Retrain without it (this machine)")


def _metrics(figures: list[tuple[str, str, str]]) -> None:
    for start in range(0, len(figures), PER_ROW):
        row = figures[start : start + PER_ROW]
        for col, (name, value, help_) in zip(st.columns(PER_ROW), row, strict=False):
            col.metric(name, value, help=help_)


def _retrain_cost(r: Any) -> None:
    """The cost model's monthly retraining at this session's answers and prices."""
    if r.retrain is None or r.kind != "update":
        return
    from advisor.compare.change.setup import retrain_cost

    try:
        rules = state.rules(str(state.settings().rules_dir))
        prices = state.price_sheet(rules)
        if prices is None:
            return
        cost = retrain_cost(
            state.cost_inputs(rules),
            prices,
            r.retrain.get("train_seconds"),
            r.retrain.get("train_seconds_measured", True),
        )
    except Exception as exc:  # the figures above still stand
        st.caption(f"Retraining cost not available: {exc}")
        return
    if not cost["line_items"]:
        st.caption(
            "No retraining priced: your answers give no update cadence (answer how often the "
            "knowledge changes on the Questionnaire)."
            if cost["updates_per_month"] == 0
            else "No retraining priced: your answers keep the knowledge out of the weights."
        )
        return
    items = "; ".join(
        f"{i['name']} ${i['amount']:,.2f} ({i['formula']})" for i in cost["line_items"]
    )
    hours = cost.get("measured_hours_per_month")
    here = f" At this adapter's measured run that is {hours:.2f} h of training a month here."
    st.caption(
        f"Keeping the adapter current at your cadence ({cost['updates_per_month']:g} "
        f"update(s) a month → {cost['retrains_per_month']:g} retrains, "
        f"{cost['documents']:,.0f} documents) costs **${cost['monthly']:,.2f} a month**: "
        f"{items}. From your answers and the prices on the Costs page."
        + (here if hours is not None else "")
    )


def _marks(r: Any, cell: dict[str, Any] | None, grid: bool = False) -> str:
    from advisor.compare.change.text import mark

    words = UPDATE_MARK if r.kind == "update" else FORGET_MARK
    return (GRID_MARK[r.kind] if grid else words)[mark(cell, r.kind)]


def _arms(r: Any) -> list[str]:
    return list(dict.fromkeys(c["arm"] for c in r.before + r.after))


def _reference(r: Any, q: dict[str, Any]) -> str:
    return f"{q['old']} → {q['new']}" if r.kind == "update" else q["old"] or "(none)"


def _grid(r: Any) -> list[dict[str, Any]]:
    """A row per question: what each arm stated, before → after; "not learned" where an
    adapter did not state the fact before (it cannot go stale or leak what it never knew)."""
    from advisor.compare.change.text import NOT_LEARNED, mark, unlearned

    rows = []
    for q in r.questions:
        row = {"question": q["question"], "reference": _reference(r, q)}
        for arm in _arms(r):
            pre, post = r.cell("before", q["id"], arm), r.cell("after", q["id"], arm)
            if unlearned(arm, pre):  # silent after: nothing happened to what it never knew
                after = mark(post, r.kind)
                row[arm] = NOT_LEARNED if after in ("-", "n/a") else (
                    f"{NOT_LEARNED} → {_marks(r, post, True)}")  # fmt: skip
            else:
                row[arm] = f"{_marks(r, pre, True)} → {_marks(r, post, True)}"
        rows.append(row)
    return rows


def _closer(r: Any) -> None:
    """One question's answers, before and after, side by side per arm."""
    from advisor.compare.change.text import unlearned

    ids = [q["id"] for q in r.questions]
    text = {q["id"]: q for q in r.questions}
    pick = st.selectbox("Look closer at a question", ids, key=f"{KEY}look_{r.kind}",
                        format_func=lambda i: text[i]["question"])  # fmt: skip
    st.markdown(f"**Reference:** {wording.as_text(_reference(r, text[pick]))}")
    arms = _arms(r)
    for col, arm in zip(st.columns(len(arms)), arms, strict=True):
        pre, post = r.cell("before", pick, arm), r.cell("after", pick, arm)
        col.markdown(f"**{_label(arm)}**")
        for when, cell in (("Before", pre), ("After", post)):
            if cell is not None:
                said = _marks(r, cell)
                if when == "Before" and unlearned(arm, cell):
                    said = "not learned (it did not state the fact before the change)"
                col.caption(f"{when}: {said}")
                col.markdown(wording.as_text(cell["answer"]))


def show(r: Any) -> None:
    """The figures, the notes and the before / after of one change."""
    doc = ", ".join(r.documents)
    st.markdown(f"#### Before and after {'the update' if r.kind == 'update' else 'the forget'}")
    done = f"{r.seconds:.0f} s in all; {len(r.questions)} question(s) from {r.question_set}"
    st.caption(f"{doc} · {r.started_at} · {done}")
    if r.status != "complete":
        st.warning(f"This change was {r.status}: {'; '.join(r.notes)}.")
        return
    _metrics(_update_figures(r) if r.kind == "update" else _forget_figures(r))
    _retrain_cost(r)
    for note in r.notes:
        st.info(note + ".")
    st.caption(f"Before → after, per arm: {LEGEND[r.kind]}.")
    from advisor.compare.figures import short

    config = {a: st.column_config.TextColumn(short(a), width="small", help=_label(a))
              for a in _arms(r)}  # fmt: skip
    st.dataframe(_grid(r), hide_index=True, width="stretch", key=f"{KEY}grid_{r.kind}",
                 column_config={"question": st.column_config.TextColumn("Question", width="large"),
                                "reference": "Reference", **config})  # fmt: skip
    _closer(r)
