"""Aggregates of a comparison: per arm means with 95% bootstrap intervals, splits by
trained / paraphrase / unseen and by tag, abstention on unanswerable questions, echoes,
paired differences between arms, disagreements, and which arm won."""

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
        "winner": winner(per_arm),
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


def winner(per_arm: dict[str, Any]) -> str | None:
    """The arm with the highest mean correctness; None when nothing had a reference."""
    scored = {a: s["correct"]["mean"] for a, s in per_arm.items() if s.get("correct")}
    if not scored:
        return None
    best = max(scored.values())
    tied = [a for a, m in scored.items() if m == best]
    return tied[0] if len(tied) == 1 else " = ".join(tied)


def headline(run: ComparisonRun) -> dict[str, Any] | None:
    """Which arm is most correct, read on the questions an adapter did not train on when
    the questions are labelled (paraphrase and unseen: what users will ask), else on all
    that have a reference; `apart` only when the paired interval against every other arm
    excludes zero. None when nothing had a reference."""
    rows = {r.id: r for r in run.rows}
    labelled = any(r.relation for r in run.rows)
    basis = "not trained on" if labelled else "all"

    def counts(r: Any) -> bool:
        return not labelled or r.relation in ("paraphrase", "unseen")

    right: dict[str, dict[str, float]] = defaultdict(dict)
    for c in run.cells:
        if c.correct is not None and c.question_id in rows and counts(rows[c.question_id]):
            right[c.arm][c.question_id] = c.correct
    scored = {a: fmean(v.values()) for a, v in right.items() if v}
    if not scored:
        return None
    best = max(scored, key=lambda a: (scored[a], -run.arms.index(a)))
    closest: dict[str, Any] | None = None
    apart = True
    for other in scored:
        if other == best:
            continue
        both = [q for q in right[best] if q in right[other]]
        diff = paired_difference([right[best][q] for q in both], [right[other][q] for q in both])
        if not diff.get("applicable") or diff["low"] <= 0:
            apart = False
            if closest is None or diff.get("mean", 0) < closest.get("mean", 0):
                closest = {"arm": other, **diff}
    n = max(len(v) for v in right.values())
    return {"basis": basis, "n": n, "best": best, "apart": apart, "closest": closest,
            "correct": round(scored[best], 4)}  # fmt: skip
