"""Aggregates of a comparison: per arm means with 95% bootstrap intervals, splits by
trained / paraphrase / unseen and by tag, abstention on unanswerable questions, echoes,
paired differences between arms, disagreements, and the headline: which arm is most
correct, named only when the paired interval says the arms can be told apart."""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

from advisor.compare.run import SCORES, ComparisonRun
from advisor.compare.scoring import bootstrap_ci
from advisor.compare.stats import paired_difference

RELATIONS = ("trained", "paraphrase", "unseen")


def interval(values: list[float]) -> dict[str, Any] | None:
    """n, mean and the 95% bootstrap interval; None when nothing was scored."""
    if not values:
        return None
    mean, low, high = bootstrap_ci(values)
    return {"n": len(values), "mean": round(mean, 4), "low": round(low, 4), "high": round(high, 4)}


def _judged(cells: list[Any]) -> dict[str, Any] | None:
    """The judge's correct share, and how often it agrees with the deterministic `correct`
    (a Wilson interval), over the answers both scored; None when no judge ran."""
    from advisor.compare.stats import share_interval

    judged = [c for c in cells if c.judge_correct is not None]
    if not judged:
        return None
    both = [c for c in judged if c.correct is not None]
    agree = sum(1 for c in both if (c.correct >= 0.999) == (c.judge_correct >= 0.5))
    low, high = share_interval(agree, len(both)) if both else (0.0, 0.0)
    supported = [c.judge_supported for c in cells if c.judge_supported is not None]
    return {
        "correct": interval([c.judge_correct for c in judged]),
        "supported": interval(supported),
        "agreement": {"n": len(both), "agree": agree,
                      "mean": round(agree / len(both), 4) if both else None,
                      "low": round(low, 4), "high": round(high, 4)},
    }  # fmt: skip


def summarise(run: ComparisonRun) -> dict[str, Any]:
    """The aggregates stored with the run (and shown on top of the grid)."""
    rows = {r.id: r for r in run.rows}
    per_arm: dict[str, Any] = {}
    by_relation: dict[str, dict[str, Any]] = {}
    by_tag: dict[str, dict[str, Any]] = {}
    for arm in run.arms:
        cells = [c for c in run.cells if c.arm == arm]
        if not cells:
            continue
        stats: dict[str, Any] = {"answered": len(cells)}
        for score in SCORES:
            stats[score] = interval(
                [getattr(c, score) for c in cells if getattr(c, score) is not None]
            )
        stats["seconds"] = round(fmean(c.seconds for c in cells), 3)
        stats["tokens_per_second"] = round(
            sum(c.tokens for c in cells) / max(1e-9, sum(c.seconds for c in cells)), 2
        )
        costs = [c.cost_per_1000 for c in cells if c.cost_per_1000 is not None]
        stats["cost_per_1000"] = round(fmean(costs), 4) if costs else None
        # On the questions the documents do not answer: abstaining is right, answering
        # is a hallucination (an arm without retrieval has no evidence to abstain on).
        said = [c.abstained for c in cells if c.abstained is not None]
        stats["abstention"] = interval([1.0 if a else 0.0 for a in said])
        stats["hallucination"] = interval([0.0 if a else 1.0 for a in said])
        stats["echoes"] = sum(1 for c in cells if c.echo)
        stats["judge"] = _judged(cells)
        per_arm[arm] = stats
        groups: dict[str, list[float]] = defaultdict(list)
        tags: dict[str, list[float]] = defaultdict(list)
        for c in cells:
            if c.correct is None:
                continue
            row = rows[c.question_id]
            if row.relation:
                groups[row.relation].append(c.correct)
            if row.tag:
                tags[row.tag].append(c.correct)
        by_relation[arm] = {k: interval(groups[k]) for k in RELATIONS if groups.get(k)}
        by_tag[arm] = {k: interval(v) for k, v in sorted(tags.items())}
    retrieval = [r for r in run.rows if r.hit is not None]
    recalled = {r.id for r in run.rows if r.context_recall == 1.0}
    for arm, stats in per_arm.items():  # the reader, on questions retrieval did answer
        stats["reader_correct"] = interval([
            c.correct for c in run.cells
            if c.arm == arm and c.question_id in recalled and c.correct is not None
        ])  # fmt: skip
    return {
        "arms": per_arm,
        "correct_by_relation": by_relation,
        "correct_by_tag": by_tag,
        "retrieval": {
            "hit_at_k": interval([r.hit for r in retrieval if r.hit is not None]),
            "mrr": interval([r.rr for r in retrieval if r.rr is not None]),
            "context_recall": interval(
                [r.context_recall for r in run.rows if r.context_recall is not None]
            ),
            "k": run.settings.get("k"),
        },
        **agreement(run),
        "paired": paired(run),
        "headline": headline(run),
    }


def paired(run: ComparisonRun) -> dict[str, Any]:
    """Every pair of arms, in the run's order ("rag-lora" is rag minus lora): the paired
    difference in correctness over the questions both scored, overall and per relation."""
    rows = {r.id: r for r in run.rows}
    right: dict[str, dict[str, float]] = defaultdict(dict)
    for c in run.cells:
        if c.correct is not None:
            right[c.arm][c.question_id] = c.correct
    out: dict[str, Any] = {}
    for i, a in enumerate(run.arms):
        for b in run.arms[i + 1 :]:
            both = [q for q in right[a] if q in right[b]]
            entry = {
                "all": paired_difference([right[a][q] for q in both], [right[b][q] for q in both])
            }
            for rel in RELATIONS:
                ids = [q for q in both if rows[q].relation == rel]
                if ids:
                    entry[rel] = paired_difference(
                        [right[a][q] for q in ids], [right[b][q] for q in ids]
                    )
            out[f"{a}-{b}"] = entry
    return out


def agreement(run: ComparisonRun) -> dict[str, int]:
    """Questions where the arms' pass/fail differ, and where every arm failed."""
    verdicts: dict[str, list[float]] = defaultdict(list)
    for c in run.cells:
        if c.correct is not None:
            verdicts[c.question_id].append(c.correct)
    full = [v for v in verdicts.values() if len(v) == len(run.arms)]
    return {
        "questions_scored": len(full),
        "disagreements": sum(1 for v in full if min(v) != max(v)),
        "all_fail": sum(1 for v in full if max(v) == 0),
        "all_pass": sum(1 for v in full if min(v) == 1),
    }


UNTRAINED = ("paraphrase", "unseen")  # what users will ask: not the adapter's own wording


def _right(run: ComparisonRun, keep: Any) -> dict[str, dict[str, float]]:
    """arm -> question id -> correct, over the answerable questions `keep` accepts."""
    rows = {r.id: r for r in run.rows if not r.unanswerable}
    right: dict[str, dict[str, float]] = defaultdict(dict)
    for c in run.cells:
        row = rows.get(c.question_id)
        if c.correct is not None and row is not None and keep(row):
            right[c.arm][c.question_id] = c.correct
    return {a: right[a] for a in run.arms if right.get(a)}


def _adapter_note(run: ComparisonRun) -> dict[str, str] | None:
    """The adapter the LoRA arms used, when its training did not finish (its run card's
    status is not `complete`): the headline names it as partial."""
    card = run.adapter or {}
    status = card.get("status")
    note = card.get("partial") or (f"partial: {status}" if status and status != "complete" else "")
    if not note:
        return None
    return {"run_id": str(card.get("run_id") or ""), "partial": str(note)}


def headline(run: ComparisonRun) -> dict[str, Any] | None:
    """The comparison's verdict as data (advisor.compare.text words it).

    `basis` is what it reads: "not trained on" (the paraphrase and unseen questions, when
    the questions are labelled by relation: what users will ask), "trained" (labelled, but
    every question is one the adapter trained on) or "all" (no question is labelled: every
    answerable question with a reference). `best` is the arm with the highest correct
    share there; `apart` is true only when the paired 95% interval of `best` minus every
    other arm excludes zero. `tied` lists the arms it could not be told apart from, each
    with its paired difference (best minus it), closest first; `runner_up` is the arm
    nearest to it, with that difference. `trained` keeps the questions the adapter trained
    on visible (what memorising looks like), per arm; `adapter` names a partial adapter.
    None when no answerable question has a reference."""
    labelled = any(r.relation for r in run.rows if not r.unanswerable)
    right = _right(run, lambda r: r.relation in UNTRAINED) if labelled else {}
    basis = "not trained on" if right else "trained" if labelled else "all"
    if not right:
        right = _right(run, lambda r: True)
    if not right:
        return None
    scored = {a: fmean(v.values()) for a, v in right.items()}
    best = max(scored, key=lambda a: (scored[a], -run.arms.index(a)))
    others = []
    for other in scored:
        if other == best:
            continue
        both = [q for q in right[best] if q in right[other]]
        diff = paired_difference([right[best][q] for q in both], [right[other][q] for q in both])
        others.append({"arm": other, **diff})
    nearest = sorted(others, key=lambda d: (d.get("mean", 0.0), run.arms.index(d["arm"])))
    tied = [d for d in nearest if not (d.get("applicable") and d["low"] > 0)]
    trained = (
        {
            a: interval(list(v.values()))
            for a, v in _right(run, lambda r: r.relation == "trained").items()
        }
        if basis == "not trained on"
        else {}
    )
    return {
        "basis": basis,
        "n": len({q for v in right.values() for q in v}),
        "best": best,
        "correct": round(scored[best], 4),
        "apart": bool(others) and not tied,
        "tied": tied,
        "runner_up": nearest[0] if nearest else None,
        "arms": {a: {"n": len(right[a]), "mean": round(m, 4)} for a, m in scored.items()},
        "trained": trained,
        "adapter": _adapter_note(run),
    }
