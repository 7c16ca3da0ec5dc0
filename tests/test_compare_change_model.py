"""An update and a forget with the real models: SmolLM2 for base and RAG, the LoRA
adapter the fine-tune tests trained, the real embedder and Chroma. Two changed questions
(refund window, uptime) keep it small."""

from __future__ import annotations

import pytest
from conftest import ROOT

from advisor.compare.change import apply_forget, apply_update
from advisor.compare.evidence import change_facts
from advisor.compare.questions import load_question_file
from advisor.compare.run import ComparisonRun
from advisor.compare.session import build_plan
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

pytestmark = pytest.mark.slow
CORPUS = ROOT / "demo_corpus"


def test_update_then_forget_through_base_rag_and_the_adapter(trained_adapter, model_dir, embedder):
    _, trained, _ = trained_adapter
    settings = Settings(data_dir=model_dir)
    pipeline = RagPipeline(settings, "chg-real", embedder=embedder)
    pipeline.ingest([CORPUS / "refund_policy.md", CORPUS / "sla.md", CORPUS / "support_faq.html"])
    golden = load_question_file(CORPUS / "golden.yaml")
    two = [q for q in golden.questions if q.id in ("q01", "q19")]
    qs = type(golden)(golden.name, two, golden.sha256, golden.origin)
    plan = build_plan(
        settings, questions=qs, adapter=trained.out, arms="base,rag,lora", k=3, pipeline=pipeline
    )
    update = apply_update(
        plan, [CORPUS / "updates" / "refund_policy.md", CORPUS / "updates" / "sla.md"]
    )
    assert update.status == "complete" and {f["status"] for f in update.files} == {"replaced"}
    assert len(update.before) == len(update.after) == 2 * 3
    rag, lora = update.arms["rag"], update.arms["lora"]
    # The retrieval arm reads the new versions at once; the adapter never saw them.
    assert rag["new_stated"] >= 1 and rag["old_stated"] == 0, update.after
    assert rag["seconds_to_first_correct"] > update.change_seconds
    assert update.retrain["train_seconds"] == trained.run["train_seconds"]
    forget = apply_forget(plan, "sla.md")
    assert forget.status == "complete" and "sla.md" not in pipeline.documents()
    assert [q["id"] for q in forget.questions] == ["q19"]
    assert forget.arms["rag"]["chunks_before"] > 0 and forget.arms["rag"]["chunks_after"] == 0
    assert forget.arms["lora"]["chunks_after"] is None and forget.arms["lora"]["n"] == 1
    run = ComparisonRun(["base", "rag", "lora"], [], adapter=plan.adapter)
    run.changes = [update.to_dict(), forget.to_dict()]
    facts = change_facts(run)
    # The adapter's staleness and leak figures are what its own answers show, and they
    # are the figures the rules read.
    after = [c for c in update.after if c["arm"] == "lora"]
    old = sum(bool(c["old_stated"]) for c in after)
    assert lora["n"] == len(after) == 2 and lora["old_stated"] == old
    assert lora["old_share"] == old / 2 == facts["stale_facts_share"]
    assert lora["stale"] == sum(bool(c["old_stated"] and not c["new_stated"]) for c in after)
    leak = forget.arms["lora"]
    forgot = [c for c in forget.after if c["arm"] == "lora"]
    assert leak["stated_after"] == sum(bool(c["old_stated"]) for c in forgot)
    assert leak["leak_rate"] == leak["stated_after"] / leak["n"] == facts["forget_leak_rate"]
    # The retrieval arm cannot leak a document it no longer retrieves.
    assert forget.arms["rag"]["stated_after"] == 0 and facts["forget_rag_leak_rate"] == 0.0
