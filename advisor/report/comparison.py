"""The comparison's part of a report: plain data from a ComparisonRun and its evidence.

Kept short on purpose: the headline (a winner only when the paired interval excludes
zero), the aggregates with their intervals, the split by trained / paraphrase / unseen, a
sample of the questions where the arms disagree, what the latest update and forget
showed, the measured facts the verdict used, and the run's stamp.
"""

from __future__ import annotations

from typing import Any

from advisor.compare.history import run_id
from advisor.compare.run import ComparisonRun
from advisor.compare.text import (
    abstention_lines,
    headline_line,
    paired_lines,
    retrieval_and_reader,
    trained_line,
)

SAMPLE = 5  # disagreeing questions shown; the whole grid is in compare.json and the CSV


def comparison_section(run: ComparisonRun, facts: dict[str, float]) -> dict[str, Any]:
    """Everything the report shows about one comparison run."""
    agg = run.aggregates
    arms = {
        arm: {
            "correct": s.get("correct"),
            "by_relation": agg.get("correct_by_relation", {}).get(arm, {}),
            "groundedness": s.get("groundedness"),
            "seconds": s.get("seconds"),
            # beside containment: figures that stand next to published ones, the reader
            # apart from retrieval, and the answers that only repeated what they were given
            "exact": s.get("exact"),
            "f1": s.get("f1"),
            "reader_correct": s.get("reader_correct"),
            "echoes": s.get("echoes", 0),
        }
        for arm, s in agg.get("arms", {}).items()
    }
    adapter = run.adapter or {}
    return {
        "stamp": {
            "id": run_id(run),  # as `advisor compare runs` lists it
            "started_at": run.started_at,
            "status": run.status,
            "collection": run.collection,
            "models": dict(run.models),
            "adapter_run_id": adapter.get("run_id"),
            "adapter_data_hash": adapter.get("data_hash"),
            "question_set": run.question_set.get("name"),
            "question_set_sha256": run.question_set.get("sha256"),
            "questions": len(run.rows),
        },
        "arms": arms,
        # the verdict of the run as data (summary.headline) and in words: a winner only when
        # the paired interval excludes zero, on the questions the adapter did not train on
        "headline": agg.get("headline"),
        "headline_text": headline_line(agg["headline"]) if agg.get("headline") else None,
        "trained_text": trained_line(agg["headline"]) if agg.get("headline") else None,
        "retrieval": agg.get("retrieval", {}),
        "disagreements": agg.get("disagreements", 0),
        "questions_scored": agg.get("questions_scored", 0),
        "sample": _disagreements(run),
        # abstention on questions the documents do not answer, and paired differences
        "measured": [
            line.strip()
            for line in [
                retrieval_and_reader(run) or "",
                *abstention_lines(run),
                *paired_lines(run),
            ]
            if line.strip()
        ],
        "changes": [_change(c) for c in run.changes],
        "evidence": dict(facts),
    }


def _disagreements(run: ComparisonRun) -> list[dict[str, Any]]:
    rows = []
    for row in run.rows:
        cells = [run.cell(row.id, a) for a in run.arms]
        verdicts = {c.correct for c in cells if c is not None and c.correct is not None}
        if len(verdicts) < 2:
            continue
        rows.append({
            "question": row.question,
            "reference": row.reference,
            "relation": row.relation,
            "answers": {c.arm: {"answer": c.answer[:300], "correct": c.correct}
                        for c in cells if c is not None},
        })  # fmt: skip
        if len(rows) == SAMPLE:
            break
    return rows


def _change(change: dict[str, Any]) -> dict[str, Any]:
    """What an update or a forget measured, per arm (no answers: those are in the run), and
    `said` in words: an adapter arm out of the facts it stated before the change ("not
    learned" when it stated none, never a 0% share)."""
    from advisor.compare.change.text import arm_sentence

    keep = ("n", "old_share", "stale_share", "new_stated", "seconds_to_first_correct",
            "leak_rate", "chunks_after", "knew", "not_learned", "knew_still_old",
            "stale_of_known", "leaked", "leak_of_known")  # fmt: skip
    kind = change.get("kind") or ""
    return {
        "kind": change.get("kind"),
        "documents": change.get("documents", []),
        "status": change.get("status"),
        "change_seconds": change.get("change_seconds"),
        "arms": {
            arm: {**{k: v for k, v in m.items() if k in keep}, "said": arm_sentence(arm, m, kind)}
            for arm, m in change.get("arms", {}).items()
        },
        "retrain": change.get("retrain"),
        "notes": change.get("notes", []),
    }
