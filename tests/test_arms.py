"""The four arms are callable on one pipeline: base, RAG, LoRA, LoRA + RAG."""

import pytest
from conftest import ROOT, FakeGenerator

from advisor.compare.arms import ARMS, answer_all, answer_arm
from advisor.rag.pipeline import RagPipeline


def test_four_arms_answer_the_same_question(settings, embedder):
    p = RagPipeline(settings, "arms-ws", embedder=embedder)
    p.ingest([ROOT / "demo_corpus" / "support_faq.html"])
    base, lora = FakeGenerator("base says"), FakeGenerator("lora says")
    lora.name = "lora:test"
    answers = answer_all("What does E-217 mean?", p, base, lora, k=2)
    assert list(answers) == list(ARMS)
    assert answers["base"].text == "base says" and not answers["base"].sources
    assert answers["lora"].text == "lora says" and answers["lora"].backend == "lora:test"
    for arm in ("rag", "lora_rag"):
        assert answers[arm].sources[0].document == "support_faq.html"
    assert answers["lora_rag"].backend == "lora:test"
    # the RAG arms put the retrieved context in the prompt; the plain arms do not
    assert (
        "Context:" in base.calls[1][-1]["content"]
        and "Context:" not in base.calls[0][-1]["content"]
    )


def test_lora_arms_need_an_adapter(settings, embedder):
    p = RagPipeline(settings, "arms-ws2", embedder=embedder)
    assert set(answer_all("q", p, FakeGenerator("b"))) == {"base", "rag"}
    with pytest.raises(ValueError, match="needs a LoRA adapter"):
        answer_arm("lora", "q", p, FakeGenerator("b"))
