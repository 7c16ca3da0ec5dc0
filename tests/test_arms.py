"""The four arms are callable on one pipeline: base, RAG, LoRA, LoRA + RAG."""

import pytest
from conftest import ROOT, FakeGenerator

from advisor.compare.arms import ARMS, answer_all, answer_arm
from advisor.rag.pipeline import RagPipeline


def test_four_arms_answer_the_same_question(settings, embedder):
    p = RagPipeline(settings, "arms-ws", embedder=embedder)
    p.ingest([ROOT / "demo_corpus" / "support_faq.html"])
    # answers in the FAQ's own words, so the trust check (advisor.rag.trust) lets them through
    base = FakeGenerator("E-217 means propeller imbalance [2]")
    lora = FakeGenerator("E-217: propeller imbalance [1]")
    lora.name = "lora:test"
    answers = answer_all("What does E-217 mean?", p, base, lora, k=2)
    assert list(answers) == list(ARMS)
    assert answers["base"].text == base.text and not answers["base"].sources
    assert answers["lora"].text == lora.text and answers["lora"].backend == "lora:test"
    for arm in ("base", "lora"):  # no sources, so nothing to cite
        assert answers[arm].cited == [] and answers[arm].citation_added is False
    for arm in ("rag", "lora_rag"):
        assert answers[arm].sources[0].document == "support_faq.html"
    assert answers["lora_rag"].backend == "lora:test"
    # each retrieval arm keeps the citation its own model gave, where the cited passage
    # backs the claim; none is attributed. The base model cited [2], the E-305 entry: its
    # answer stands, the citation does not count
    assert answers["rag"].cited == [] and answers["rag"].text == base.text
    assert answers["rag"].sources[1].text.startswith("E-305")
    assert answers["lora_rag"].cited == [1] and answers["lora_rag"].text == lora.text
    assert not answers["rag"].citation_added and not answers["lora_rag"].citation_added
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
