"""A comparison run as terminal text: who won, by how much, and where arms disagree."""

from __future__ import annotations

from typing import Any

from advisor.compare.arms import REGISTRY
from advisor.compare.run import ComparisonRun
from advisor.compare.summary import RELATIONS


def pct(stat: dict[str, Any] | None, interval: bool = True) -> str:
    """`62% [48-75]` from an aggregate, or `n/a` when nothing was scored."""
    if not stat:
        return "n/a"
    text = f"{stat['mean']:.0%}"
    return f"{text} [{stat['low']:.0%}-{stat['high']:.0%}]" if interval else text


def render_summary(run: ComparisonRun) -> str:
    """The summary table per arm and the trained / paraphrase / unseen split."""
    agg = run.aggregates
    lines = []
    if run.status != "complete":
        lines.append(f"INCOMPLETE: the run was {run.status}; the table covers the cells done.")
    head = (
        f"{'arm':<10} {'correct (95% CI)':<18} {'F1':>5} {'grounded':>9} {'cites ref':>9} "
        f"{'s/answer':>8} {'tok/s':>6} {'$/1k q':>8}"
    )
    lines += [head, "-" * len(head)]
    for arm in run.arms:
        s = agg["arms"].get(arm)
        if not s:
            continue
        cost = f"{s['cost_per_1000']:.3f}" if s.get("cost_per_1000") is not None else "n/a"
        lines.append(
            f"{arm:<10} {pct(s['correct']):<18} {pct(s['f1'], False):>5} "
            f"{pct(s['groundedness'], False):>9} {pct(s['citation_hit'], False):>9} "
            f"{s['seconds']:>8.2f} {s['tokens_per_second']:>6.1f} {cost:>8}"
        )
    retrieval = agg.get("retrieval", {})
    if retrieval.get("hit_at_k"):
        lines.append(
            f"\nRetrieval (shared by the retrieval arms): hit@{retrieval['k']} "
            f"{pct(retrieval['hit_at_k'])}, MRR {retrieval['mrr']['mean']:.2f}"
        )
    split = agg.get("correct_by_relation", {})
    if any(split.values()):
        lines.append("\nCorrect by how the question relates to the adapter's training data:")
        lines.append(f"{'arm':<10} " + " ".join(f"{r:>18}" for r in RELATIONS))
        for arm in run.arms:
            cells = [f"{pct(split.get(arm, {}).get(r)):>18}" for r in RELATIONS]
            counts = split.get(arm, {})
            if counts:
                lines.append(f"{arm:<10} " + " ".join(cells))
    if agg.get("questions_scored"):
        lines.append(
            f"\n{agg['disagreements']} of {agg['questions_scored']} questions split "
            f"the arms; {agg['all_fail']} failed in every arm."
        )
    if agg.get("winner"):
        labels = [REGISTRY[a].label if a in REGISTRY else a for a in agg["winner"].split(" = ")]
        lines.append(f"Most correct: {' = '.join(labels)}.")
    else:
        lines.append("No reference answers: correctness is not applicable; read the answers.")
    return "\n".join(lines)
