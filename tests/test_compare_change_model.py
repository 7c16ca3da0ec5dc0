"""An update and a forget with the real models: SmolLM2 for base and RAG, the LoRA
adapter the fine-tune tests trained (on the demo's first 12 facts), the real embedder and
Chroma. The refund questions change; the support FAQ is forgotten. Staleness and leaks
count only facts the adapter stated before the change."""

from __future__ import annotations

import pytest
from conftest import ROOT

from advisor.compare.change.apply import apply_forget, apply_update
from advisor.compare.evidence import change_facts
from advisor.compare.run import ComparisonRun
from advisor.compare.session import build_plan
from advisor.questionsets.files import load_question_file
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

pytestmark = pytest.mark.slow
CORPUS = ROOT / "demo_corpus"


def test_update_then_forget_through_base_rag_and_the_adapter(trained_adapter, model_dir, embedder):
    split, trained, _ = trained_adapter
    taught = {p.prompt for p in split.train}
    settings = Settings(data_dir=model_dir)
    pipeline = RagPipeline(settings, "chg-real", embedder=embedder)
    pipeline.ingest([CORPUS / "refund_policy.md", CORPUS / "sla.md", CORPUS / "support_faq.html"])
    golden = load_question_file(CORPUS / "golden.yaml")
    # the refund facts (they change) and the support FAQ's (it is forgotten) the adapter
    # trained on
    picked = [
        q
        for q in golden.questions
        if q.question in taught and q.documents[0] in ("refund_policy.md", "support_faq.html")
    ]
    assert any(q.updated_answer for q in picked) and len(picked) >= 3
    qs = type(golden)(golden.name, picked, golden.sha256, golden.origin)
    plan = build_plan(
        settings, questions=qs, adapter=trained.out, arms="base,rag,lora", k=3, pipeline=pipeline
    )
    update = apply_update(plan, [CORPUS / "updates" / "refund_policy.md"])
    assert update.status == "complete" and {f["status"] for f in update.files} == {"replaced"}
    changed = len(update.questions)
    assert changed >= 1 and len(update.before) == len(update.after) == changed * 3
    rag, lora = update.arms["rag"], update.arms["lora"]
    # The retrieval arm reads the new versions at once; the adapter never saw them.
    # (whether the small reader then states the new figure is the reader's business: the
    # retrieval arm must read the new version and never state the old one)
    rag_after = [c for c in update.after if c["arm"] == "rag"]
    assert rag["old_stated"] == 0 and all(c["doc_chunks"] >= 1 for c in rag_after), rag_after
    if rag["new_stated"]:
        assert rag["seconds_to_first_correct"] > update.change_seconds
    assert update.retrain["train_seconds"] == trained.run["train_seconds"]
    forget = apply_forget(plan, "support_faq.html")
    assert forget.status == "complete" and "support_faq.html" not in pipeline.documents()
    faq = [q.id for q in picked if q.documents[0] == "support_faq.html"]
    assert [q["id"] for q in forget.questions] == faq
    assert forget.arms["rag"]["chunks_before"] > 0 and forget.arms["rag"]["chunks_after"] == 0
    assert forget.arms["lora"]["chunks_after"] is None and forget.arms["lora"]["n"] == len(faq)
    run = ComparisonRun(["base", "rag", "lora"], [], adapter=plan.adapter)
    run.changes = [update.to_dict(), forget.to_dict()]
    facts = change_facts(run)
    # The adapter's staleness and leak figures are what its own answers show, and they
    # are the figures the rules read.
    after = [c for c in update.after if c["arm"] == "lora"]
    old = sum(bool(c["old_stated"]) for c in after)
    assert lora["n"] == len(after) == changed and lora["old_stated"] == old
    assert lora["stale"] == sum(bool(c["old_stated"] and not c["new_stated"]) for c in after)
    knew = {c["question_id"] for c in update.before if c["arm"] == "lora" and c["old_stated"]}
    assert lora["knew"] == len(knew) and lora["not_learned"] == changed - len(knew)
    if knew:  # the rules read staleness out of what it knew, never out of all questions
        assert facts["stale_facts_share"] == lora["stale_of_known"]
    else:
        assert "stale_facts_share" not in facts
    # The leak is measured: the adapter stated a trained FAQ fact before the forget, and
    # it still states it after (nothing in it was retrained); the rate counts those facts.
    leak = forget.arms["lora"]
    forgot = [c for c in forget.after if c["arm"] == "lora"]
    assert leak["stated_after"] == sum(bool(c["old_stated"]) for c in forgot)
    assert leak["knew"] >= 1, forget.before
    assert leak["leaked"] >= 1, forget.after
    assert leak["leak_of_known"] == leak["leaked"] / leak["knew"] == facts["forget_leak_rate"]
    # The retrieval arm cannot leak a document it no longer retrieves.
    assert forget.arms["rag"]["stated_after"] == 0 and facts["forget_rag_leak_rate"] == 0.0
