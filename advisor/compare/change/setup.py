"""Setting a change up from a saved run, and pricing the retrains that staleness implies.

The CLI and the app apply updates and forgets to the workspace's latest comparison run:
`plan_from_run` rebuilds its plan (its questions, arms, k and adapter) over the workspace.
`retrain_cost` is the cost model's answer to "what does keeping the adapter current cost":
the fine-tune's monthly retraining line items at the user's update cadence and corpus size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor.compare.arms import REGISTRY
from advisor.compare.run import ComparisonRun
from advisor.compare.runner import Plan
from advisor.compare.session import build_plan
from advisor.costs.inputs import CostInputs
from advisor.costs.model import estimate
from advisor.costs.prices import PriceSheet
from advisor.errors import AdvisorError
from advisor.questionsets.model import Question, QuestionSet, content_hash
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings


def questions_of(run: ComparisonRun) -> QuestionSet:
    """The run's questions as a question set (updated answers and relations kept)."""
    questions = [
        Question(
            r.id,
            r.question,
            r.reference,
            list(r.documents),
            r.tag,
            r.updated_answer,
            r.origin if r.origin in ("golden", "typed", "generated") else "golden",
            r.relation,
        )
        for r in run.rows
    ]
    name = str(run.question_set.get("name") or "the run's questions")
    origin = str(run.question_set.get("origin") or "run")
    return QuestionSet(name, questions, content_hash(questions), origin)


def plan_from_run(
    run: ComparisonRun,
    settings: Settings,
    *,
    pipeline: RagPipeline | None = None,
    questions: QuestionSet | None = None,
    lora: Any = None,
) -> Plan:
    """The run's arms, k and adapter over the workspace, asking `questions` (default: the
    run's own). One AdvisorError when the run's adapter is gone."""
    adapter = None
    if any(REGISTRY[a].needs_adapter for a in run.arms if a in REGISTRY) and lora is None:
        path = (run.adapter or {}).get("path")
        if not path:
            raise AdvisorError("the run has LoRA arms but records no adapter folder")
        adapter = Path(path)
        if not (adapter / "run.json").exists():
            raise AdvisorError(
                f"{adapter}: the run's adapter is gone; run the comparison again with an adapter"
            )
    return build_plan(
        settings,
        questions=questions or questions_of(run),
        adapter=adapter,
        arms=[a for a in run.arms if a in REGISTRY],
        k=int(run.settings.get("k") or 5),
        pipeline=pipeline or RagPipeline(settings, run.collection or None),
        lora=lora,
    )


def retrain_cost(
    inputs: CostInputs,
    prices: PriceSheet,
    train_seconds: float | None = None,
    measured: bool = True,
) -> dict[str, Any]:
    """What retraining the fine-tune at the user's update cadence costs a month.

    The cost model's retraining line items (training runs, re-evaluation and refreshed
    pairs per retrain) for these inputs: the fine-tune's monthly cost with the derived
    retrains minus the same with none. `train_seconds` (a measured run on this machine)
    adds how many hours a month those retrains would take here; `measured` False: that
    figure is the estimate for a whole run from a partial one, and is marked so.
    """
    runs = inputs.fine_tune_retrains
    with_retrains = estimate(inputs, prices)["fine_tune"]
    without = estimate(inputs.model_copy(update={"retrains_per_month": 0.0}), prices)
    kept = {(i.name, i.kind) for i in without["fine_tune"].line_items}
    items = [i for i in with_retrains.line_items if (i.name, i.kind) not in kept]
    return {
        "retrains_per_month": runs,
        "updates_per_month": inputs.updates_per_month,
        "documents": inputs.documents,
        "monthly": round(sum(i.amount for i in items), 2),
        "line_items": [{"name": i.name, "amount": i.amount, "formula": i.formula} for i in items],
        "measured_hours_per_month": (
            round(runs * train_seconds / 3600, 3) if train_seconds is not None else None
        ),
        "hours_estimated": not measured,
    }
