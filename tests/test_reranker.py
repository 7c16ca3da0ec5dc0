"""The optional cross-encoder path, on a tiny model the test builds and saves itself."""

import pytest
from conftest import ROOT

from advisor.rag.models import CrossEncoderReranker, minilm_path
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    path = tmp_path_factory.mktemp("tiny-ce")
    tok = AutoTokenizer.from_pretrained(str(minilm_path()))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_reranker_scores_every_candidate_and_orders_by_them(tiny_cross_encoder, tmp_path, embedder):
    reranker = CrossEncoderReranker(tiny_cross_encoder, "cpu")
    scores = reranker.score("refund window", ["45 days to return", "flight logs"])
    assert len(scores) == 2 and scores[0] != scores[1]
    settings = Settings(data_dir=tmp_path, reranker_path=tiny_cross_encoder)
    p = RagPipeline(settings, "rerank-ws", embedder=embedder)
    p.ingest([ROOT / "demo_corpus" / "refund_policy.md", ROOT / "demo_corpus" / "sla.md"])
    sources = p.ask("refund window", k=4, generate=False).sources
    reranks = [s.scores["rerank"] for s in sources]
    assert reranks == sorted(reranks, reverse=True)
    assert all("fused" in s.scores for s in sources)  # first-stage scores are kept
