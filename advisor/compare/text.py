"""A comparison run as terminal text: who won, by how much, and where arms disagree."""

from __future__ import annotations

from typing import Any

from advisor.compare.arms import REGISTRY
from advisor.compare.run import ComparisonRun
from advisor.compare.stats import points
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
        f"{'arm':<10} {'correct (95% CI)':<18} {'exact':>5} {'F1':>5} {'grounded':>9} {'cites ref':>9} "
        f"{'s/answer':>8} {'tok/s':>6} {'$/1k q':>8}"
    )
    lines += [head, "-" * len(head)]
    for arm in run.arms:
        s = agg["arms"].get(arm)
        if not s:
            continue
        cost = f"{s['cost_per_1000']:.3f}" if s.get("cost_per_1000") is not None else "n/a"
        lines.append(
            f"{arm:<10} {pct(s['correct']):<18} {pct(s.get('exact'), False):>5} "
            f"{pct(s['f1'], False):>5} "
            f"{pct(s['groundedness'], False):>9} {pct(s['citation_hit'], False):>9} "
            f"{s['seconds']:>8.2f} {s['tokens_per_second']:>6.1f} {cost:>8}"
        )
    retrieval = agg.get("retrieval", {})
    if retrieval.get("hit_at_k"):
        recall = retrieval.get("context_recall")
        lines.append(
            f"\nRetrieval (shared by the retrieval arms): hit@{retrieval['k']} "
            f"{pct(retrieval['hit_at_k'])} (a chunk of the right document), MRR "
            f"{retrieval['mrr']['mean']:.2f}"
            + (f"; context recall {pct(recall)} (the chunks hold the answer)" if recall else "")
        )
    sentence = retrieval_and_reader(run)
    if sentence:
        lines.append(sentence)
        readers = [
            f"{arm} {pct(agg['arms'][arm]['reader_correct'])}"
            for arm in run.arms
            if arm in agg["arms"] and agg["arms"][arm].get("reader_correct")
        ]
        lines.append("Correct where retrieval held the answer: " + ", ".join(readers) + ".")
    split = agg.get("correct_by_relation", {})
    if any(split.values()):
        lines.append("\nCorrect by how the question relates to the adapter's training data:")
        lines.append(f"{'arm':<10} " + " ".join(f"{r:>18}" for r in RELATIONS))
        for arm in run.arms:
            cells = [f"{pct(split.get(arm, {}).get(r)):>18}" for r in RELATIONS]
            counts = split.get(arm, {})
            if counts:
                lines.append(f"{arm:<10} " + " ".join(cells))
    lines += abstention_lines(run)
    echoes = {a: agg["arms"][a].get("echoes", 0) for a in run.arms if a in agg["arms"]}
    if any(echoes.values()):
        lines.append(
            "\nEchoes (answers that only repeated the question, the prompt or the passages; "
            "scored wrong): " + ", ".join(f"{a} {n}" for a, n in echoes.items() if n)
        )
    lines += paired_lines(run)
    lines += judge_lines(run)
    if agg.get("questions_scored"):
        lines.append(
            f"\n{agg['disagreements']} of {agg['questions_scored']} questions split "
            f"the arms; {agg['all_fail']} failed in every arm."
        )
    head = agg.get("headline")
    if head:
        lines.append(headline_line(head))
        memorised = trained_line(head)
        if memorised:
            lines.append(memorised)
    else:
        lines.append("No reference answers: correctness is not applicable; read the answers.")
    return "\n".join(lines)


def judge_lines(run: ComparisonRun) -> list[str]:
    """What the optional judge said, labelled as a judge's, and how often it agreed with
    the deterministic `correct`; nothing when no judge ran."""
    judge = run.settings.get("judge")
    arms = run.aggregates.get("arms", {})
    judged = {a: arms[a]["judge"] for a in run.arms if (arms.get(a) or {}).get("judge")}
    if not judge or not judged:
        return []
    lines = [f"\nA judge's verdicts ({judge.get('model')}; a model's opinion, beside the scores):"]
    for arm, j in judged.items():
        agree = j["agreement"]
        said = (
            f"agreed with correct on {agree['agree']} of {agree['n']} "
            f"({agree['mean']:.0%}, 95% interval {agree['low']:.0%} to {agree['high']:.0%})"
            if agree["n"]
            else "nothing to agree on (no reference)"
        )
        supported = (
            f"; supported by the passages {pct(j['supported'])}" if j.get("supported") else ""
        )
        lines.append(f"  {arm:<10} judged correct {pct(j['correct'])}{supported}; {said}")
    return lines


def abstention_lines(run: ComparisonRun) -> list[str]:
    """How each arm met the questions the documents do not answer."""
    arms = run.aggregates["arms"]
    n = sum(1 for r in run.rows if r.unanswerable)
    if not n:
        return []
    lines = [f"\nOn {n} questions your documents do not answer (abstaining is right):"]
    for arm in run.arms:
        s = arms.get(arm, {})
        if s.get("abstention"):
            how = (
                "" if arm in ("rag", "lora_rag") else "  (no retrieval: no evidence to abstain on)"
            )
            lines.append(
                f"  {arm:<10} abstained {pct(s['abstention'])}, answered anyway "
                f"{pct(s['hallucination'], False)}{how}"
            )
    return lines


def paired_lines(run: ComparisonRun) -> list[str]:
    """Each pair of arms on the same questions, overall and per relation."""
    pairs = run.aggregates.get("paired") or {}
    if not pairs:
        if len(run.arms) < 2:  # nothing to pair with: said, not left blank
            return ["\nPaired differences: not applicable (this run has one arm)."]
        return []
    lines = ["\nPaired differences in correctness (the same questions in both arms):"]
    for key, entry in pairs.items():
        a, b = key.split("-", 1)
        lines.append(f"  {a} minus {b}: {points(entry['all'])}")
        for rel in RELATIONS:
            if rel in entry and entry[rel].get("applicable"):
                lines.append(f"    {a} minus {b} on {rel} questions: {points(entry[rel])}")
    return lines


HEADLINE = ("rag-lora", "lora-rag", "base-rag", "rag-base", "lora-base", "base-lora")


def headline_pair(run: ComparisonRun) -> str | None:
    """The paired difference that says most about RAG against fine-tuning, as one line:
    RAG minus the adapter when both ran, else retrieval against the base model."""
    pairs = run.aggregates.get("paired") or {}
    key = next((k for k in HEADLINE if k in pairs), next(iter(pairs), None))
    if key is None:
        return None
    a, b = (REGISTRY[n].short if n in REGISTRY else n for n in key.split("-", 1))
    return f"{a} minus {b}: {points(pairs[key]['all'])}"


def retrieval_and_reader(run: ComparisonRun) -> str | None:
    """One sentence: how often retrieval put the answer in front of the model, how often
    the model used it, and which of the two lost more questions."""
    rows = [r for r in run.rows if r.context_recall is not None]
    reader = next((a for a in ("rag", "lora_rag") if a in run.arms), None)
    if not rows or reader is None:
        return None
    found = {r.id for r in rows if r.context_recall == 1.0}
    used = sum(
        1 for c in run.cells if c.arm == reader and c.question_id in found and c.correct == 1.0
    )
    said = (
        f"Retrieval put the answer in front of the model for {len(found)} of {len(rows)} "
        f"questions; the model ({reader}) used it for {used}"
    )
    lost_retrieval, lost_reader = len(rows) - len(found), len(found) - used
    if lost_reader > lost_retrieval:
        return (
            said + ": the reader is the bottleneck, so try a larger model (your own base "
            "model, or an Ollama or OpenAI-compatible server)."
        )
    if lost_retrieval > lost_reader:
        return (
            said + ": retrieval is the bottleneck, so fix it first (chunk sizes, hybrid "
            "search, a re-ranker, tested with `advisor eval-retrieval`)."
        )
    return said + "."


def _short(arm: str) -> str:
    return REGISTRY[arm].short if arm in REGISTRY else arm


def _names(arms: list[str]) -> str:
    """`RAG`, `RAG and LoRA`, `RAG, LoRA and Base`."""
    names = [_short(a) for a in arms]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _difference(diff: dict[str, Any]) -> str:
    """`+5 points, 95% interval -10 to +20`, or why there is no interval."""
    if not diff.get("applicable"):
        return f"no interval: {diff.get('why', 'no paired questions')}"
    return (
        f"{diff['mean'] * 100:+.0f} points, 95% interval {diff['low'] * 100:+.0f} to "
        f"{diff['high'] * 100:+.0f}"
    )


BASIS = {
    "not trained on": "on {n} questions the adapter did not train on",
    "trained": "on {n} questions, every one of them trained on by the adapter",
    "all": "on {n} questions",
}


def headline_parts(head: dict[str, Any]) -> tuple[str, str]:
    """The headline (summary.headline) in words: a title, and the figures behind it (no
    closing full stop; empty when there are none).

    A winner is named only when its paired 95% interval against every other arm excludes
    zero; otherwise the title says which arms could not be told apart, and the figures
    give each paired difference. The title names the questions it reads and a partial
    adapter."""
    on = BASIS[head["basis"]].format(n=head["n"])
    adapter = head.get("adapter")
    partial = ""
    if adapter:
        name = f"the adapter {adapter['run_id']}" if adapter.get("run_id") else "the adapter"
        partial = f" ({name} is {adapter['partial']})"
    best, tied, runner = head["best"], head.get("tied") or [], head.get("runner_up")
    if head["correct"] == 0:  # the best arm's share: every arm's is 0
        return f"No arm answered a question correctly {on}{partial}", ""
    if runner is None:  # one arm: nothing to tell it apart from
        return (
            f"{_short(best)}: {head['correct']:.0%} correct {on}{partial}",
            "one arm ran: there is nothing to compare it with",
        )
    if head["apart"]:
        return (
            f"Most correct {on}: {_short(best)} ({head['correct']:.0%}){partial}",
            f"{_short(best)} minus {_short(runner['arm'])}, the nearest arm: {_difference(runner)}",
        )
    title = f"{_names([best] + [d['arm'] for d in tied])} could not be told apart {on}{partial}"
    if len(tied) == 1:
        return title, f"difference {_difference(tied[0])}"
    return title, "; ".join(
        f"{_short(best)} minus {_short(d['arm'])}: {_difference(d)}" for d in tied
    )


def headline_line(head: dict[str, Any]) -> str:
    """The headline as one line: "RAG and LoRA could not be told apart on 20 questions
    (difference +5 points, 95% interval -10 to +20)."; "Most correct on ...: RAG (75%);
    RAG minus LoRA, the nearest arm: +40 points, 95% interval +20 to +60."."""
    title, figures = headline_parts(head)
    if not figures:
        return title + "."
    return f"{title} ({figures})." if head.get("tied") else f"{title}; {figures}."


def trained_line(head: dict[str, Any]) -> str | None:
    """The questions the adapter trained on, kept beside the headline: what memorising
    looks like (a high figure here and none on the rest is recall of the training set,
    not knowledge). None when the headline does not read a split by relation."""
    trained = head.get("trained") or {}
    if not trained:
        return None
    n = max(s["n"] for s in trained.values())
    shares = ", ".join(f"{_short(a)} {s['mean']:.0%}" for a, s in trained.items())
    return (
        f"On the {n} questions asked as the adapter trained on them (what memorising looks "
        f"like, not in the headline): {shares}."
    )
