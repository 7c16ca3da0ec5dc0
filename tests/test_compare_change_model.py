"""An update and a forget with the real models: SmolLM2 for base and RAG, the LoRA
adapter the fine-tune tests trained, the real embedder and Chroma. Two changed questions
(refund window, uptime) keep it small; the figures it measured are printed (-s)."""

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
    assert {"stale_facts_share", "forget_leak_rate", "forget_rag_leak_rate"} <= set(facts)
    print(
        f"\nupdate: re-ingest {update.change_seconds:.2f} s; "
        + "; ".join(
            f"{a}: new {m['new_stated']}/{m['n']}, old {m['old_stated']}/{m['n']}, "
            f"first correct {m['seconds_to_first_correct']}"
            for a, m in update.arms.items()
        )
        + f"\nretrain wall time {update.retrain['train_seconds']} s, "
        f"{update.retrain['tokens_per_second']} tokens/s"
        + "\nforget: "
        + "; ".join(
            f"{a}: stated {m['stated_before']}->{m['stated_after']} of {m['n']}, "
            f"leak {m['leak_rate']}, chunks {m['chunks_before']}->{m['chunks_after']}"
            for a, m in forget.arms.items()
        )
        + f"\nfacts: {facts}"
        + f"\nlora after update: {[c['answer'] for c in update.after if c['arm'] == 'lora']}"
        + f"\nlora stale share {lora['old_share']}"
    )
