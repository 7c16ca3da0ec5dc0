"""An update or a forget as terminal text: before and after per question and arm, then
the figures per arm (new facts stated, old facts still stated, leaks, time to correct)."""

from __future__ import annotations

from typing import Any

from advisor.compare.change.result import UPDATE, ChangeResult
from advisor.compare.stats import share_interval

WIDTH = 44  # characters of an answer shown in the table


def mark(cell: dict[str, Any] | None, kind: str) -> str:
    """What an answer states: new / old / both / - (an update); stated / - (a forget)."""
    if cell is None:
        return "n/a"
    old, new = cell.get("old_stated"), cell.get("new_stated")
    if kind == UPDATE:
        return {(True, True): "both", (True, False): "old", (False, True): "new"}.get(
            (bool(old), bool(new)), "-"
        )
    return "stated" if old else "-"


def adapter_arm(arm: str) -> bool:
    """The arm answers with the fine-tuned adapter (lora, lora_rag)."""
    from advisor.compare.arms import REGISTRY

    cls = REGISTRY.get(arm)
    return bool(cls and cls.needs_adapter)


def unlearned(arm: str, before: dict[str, Any] | None) -> bool:
    """An adapter arm whose answer before the change did not state the old (or the
    forgotten) fact: it never learned it, so it can neither go stale nor leak."""
    if before is None or before.get("old_stated") is None:
        return False
    return adapter_arm(arm) and not before["old_stated"]


def none_learned(arm: str, m: dict[str, Any]) -> bool:
    """An adapter arm that stated none of the facts before the change: its shares after it
    (0% stale, 0% leaked) would read as a result, and are not one."""
    return adapter_arm(arm) and m.get("knew") == 0


NOT_LEARNED = "not learned"


def short(text: str, width: int = WIDTH) -> str:
    one = " ".join(text.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def _of(part: int, whole: int) -> str:
    return f"{part} of {whole}" + (f" ({part / whole:.0%})" if whole else "")


def _head(r: ChangeResult) -> list[str]:
    docs = ", ".join(r.documents)
    if r.kind == UPDATE:
        done = ", ".join(f"{f['name']} {f['status']}" for f in r.files)
        head = f"Update of {docs}: re-ingested in {r.change_seconds:.1f} s ({done})"
    else:
        chunks = sum(f.get("chunks") or 0 for f in r.files)
        head = f"Forget of {docs}: {chunks} chunks removed in {r.change_seconds:.1f} s"
    what = "whose answer changed" if r.kind == UPDATE else f"citing {docs}"
    arms = ", ".join(r.arms) or "the arms"
    return [head, f"{len(r.questions)} question(s) {what}, asked through {arms} before and after."]


def _table(r: ChangeResult) -> list[str]:
    lines: list[str] = []
    arms = list(dict.fromkeys(c["arm"] for c in r.before + r.after))
    for q in r.questions:
        lines.append(f"\n{q['id']}  {q['question']}")
        if r.kind == UPDATE:
            lines.append(f"     was: {q['old']}   now: {q['new']}")
        else:
            lines.append(f"     reference: {q['old'] or '(none)'}")
        wide = any(unlearned(a, r.cell("before", q["id"], a)) for a in arms)
        marks = len(NOT_LEARNED) if wide else 6  # the marks' column, as wide as its words
        lines.append(f"     {'arm':<9} {'before':<{WIDTH + marks + 1}} after")
        for arm in arms:
            pre, post = r.cell("before", q["id"], arm), r.cell("after", q["id"], arm)
            was = NOT_LEARNED if unlearned(arm, pre) else mark(pre, r.kind)
            left = f"{was:<{marks}} {short(pre['answer']) if pre else ''}"
            right = f"{mark(post, r.kind):<6} {short(post['answer']) if post else ''}"
            lines.append(f"     {arm:<9} {left:<{WIDTH + marks + 1}} {right}")
    return lines


def _figures(r: ChangeResult) -> list[str]:
    if r.kind == UPDATE:
        head = f"{'arm':<10} {'new fact stated':<18} {'old fact stated':<18} first correct"
        lines = ["", head, "-" * len(head)]
        for arm, m in r.arms.items():
            old = NOT_LEARNED if none_learned(arm, m) else _of(m["old_stated"], m["n"])
            lines.append(
                f"{arm:<10} {_of(m['new_stated'], m['n']):<18} "
                f"{old:<18} {seconds(m['seconds_to_first_correct'])}"
            )
        return [*lines, "", *(known_line(arm, m, UPDATE) for arm, m in r.arms.items())]
    docs = ", ".join(r.documents)
    head = f"{'arm':<10} {'reference still stated':<24} chunks of {docs} retrieved (before)"
    lines = ["", head, "-" * len(head)]
    for arm, m in r.arms.items():
        chunks = (
            "n/a" if m["chunks_after"] is None else f"{m['chunks_after']} ({m['chunks_before']})"
        )
        still = NOT_LEARNED if none_learned(arm, m) else _of(m["stated_after"], m["n"])
        lines.append(f"{arm:<10} {still:<24} {chunks}")
    return [*lines, "", *(known_line(arm, m, "forget") for arm, m in r.arms.items())]


def _of_ci(part: int, whole: int) -> str:
    """`part of whole (share, 95% interval)`: a team reading "stale 100%" of two facts
    should see how little that rests on."""
    if not whole:
        return f"{part} of 0"
    low, high = share_interval(part, whole)
    return f"{part} of {whole} ({part / whole:.0%}, 95% interval {low:.0%} to {high:.0%})"


def known_line(arm: str, m: dict[str, Any], kind: str) -> str:
    """Staleness or leaks out of what the arm stated before the change, with intervals: a
    fact it never stated was not learned, so it is neither stale nor leaked."""
    if "knew" not in m:  # a change recorded before these figures existed
        return f"{arm}: what it knew before the change was not recorded"
    unknown = f"; {m['not_learned']} not learned" if m["not_learned"] else ""
    if not m["knew"]:
        what, could = ("changed fact", "go stale") if kind == UPDATE else ("fact", "leak")
        facts = f"the {m['not_learned']} {what}(s)" if m["not_learned"] else f"the {what}s"
        said = f"stated none of {facts} before the change, so none can {could}"
        if adapter_arm(arm):  # the adapter never learned them
            return f"{arm}: not learned: it {said} (nothing to measure)"
        return f"{arm}: {said} (nothing to measure)"
    if kind == UPDATE:
        return (
            f"{arm}: of the {m['knew']} changed fact(s) it stated before, still old "
            f"{_of_ci(m['knew_still_old'], m['knew'])}, new "
            f"{_of_ci(m['knew_new'], m['knew'])}{unknown}"
        )
    return (
        f"{arm}: of the {m['knew']} fact(s) of the document it stated before, still stated "
        f"{_of_ci(m['leaked'], m['knew'])}{unknown}"
    )


def arm_sentence(arm: str, m: dict[str, Any], kind: str) -> str:
    """What a change showed for one arm, in a sentence (the report's): an adapter arm is
    read out of the facts it stated before the change, and one that stated none of them is
    "not learned", never a 0% share; the other arms over every changed question."""
    known = adapter_arm(arm) and "knew" in m
    if kind == UPDATE:
        share = "n/a" if m.get("old_share") is None else f"{m['old_share']:.0%}"
        said = (
            known_line(arm, m, kind).split(": ", 1)[1]
            if known
            else f"still states the old fact for {share} of {m['n']} changed facts"
        )
        first = m.get("seconds_to_first_correct")
        if first is not None:
            said += f"; first correct new answer {first:.1f} s after the update began"
        return said
    share = "n/a" if m.get("leak_rate") is None else f"{m['leak_rate']:.0%}"
    said = (
        known_line(arm, m, kind).split(": ", 1)[1]
        if known
        else f"still states {share} of the forgotten document's facts"
    )
    if m.get("chunks_after") is not None:
        said += f"; {m['chunks_after']} of its chunks retrieved"
    return said


def _retrain(r: ChangeResult, cost: dict[str, Any] | None) -> list[str]:
    lines = []
    card = r.retrain or {}
    if card.get("train_seconds") is not None:
        tps = card.get("tokens_per_second")
        if card.get("train_seconds_measured", True):
            took = f"took {card['train_seconds']:.0f} s on this machine"
        else:  # a cancelled run: its own seconds are not a training run's
            took = (
                f"would take about {card['train_seconds']:.0f} s on this machine (an estimate "
                f"for the whole run from a {card.get('partial') or 'partial'} run)"
            )
        lines.append(
            f"A training run of the adapter ({card.get('run_id')}) {took}"
            + (f" ({tps:,.0f} tokens/s)." if tps else ".")
        )
    if cost is not None and r.kind == UPDATE and r.retrain is not None:
        lines.append(
            f"Retraining at {cost['updates_per_month']:g} update(s) a month "
            f"({cost['retrains_per_month']:g} retrains, {cost['documents']:,.0f} documents) "
            f"costs ${cost['monthly']:,.2f} a month:"
        )
        lines += [
            f"  {i['name']}: ${i['amount']:,.2f} = {i['formula']}" for i in cost["line_items"]
        ]
        hours = cost.get("measured_hours_per_month")
        if hours is not None:
            run = "estimated whole run" if cost.get("hours_estimated") else "measured run"
            lines.append(f"  This adapter's {run} makes that {hours:.2f} h of training")
            lines[-1] += " a month on this machine."
    return lines


def render_change(result: ChangeResult, cost: dict[str, Any] | None = None) -> str:
    """The whole change as text; `cost` is change.setup.retrain_cost's answer, if any."""
    lines = _head(result)
    if result.status != "complete":
        lines.append(f"INCOMPLETE: the change was {result.status}.")
    lines += _table(result)
    if result.arms:
        lines += _figures(result)
    lines += ["", *_retrain(result, cost), *(f"Note: {n}." for n in result.notes)]
    return "\n".join(line for line in lines if line is not None).rstrip()
