"""End to end with every real component: Chroma, MiniLM and the embedded SmolLM2."""

import socket

from conftest import ROOT

from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings


def test_real_model_answers_from_the_retrieved_chunk(model_dir, embedder):
    p = RagPipeline(Settings(data_dir=model_dir), "e2e", embedder=embedder)
    p.ingest(
        [
            ROOT / "demo_corpus" / name
            for name in (
                "refund_policy.md",
                "sla.md",
                "sop_incident_response.md",
                "security_policy.md",
            )
        ]
    )
    answer = p.ask("Who is the safety officer?", k=3)
    assert answer.backend == "embedded:SmolLM2-135M-Instruct"
    assert answer.sources[0].document == "sop_incident_response.md"
    assert answer.text.strip()
    # Cited by the model or attributed from its words: either way, the right document.
    assert answer.cited, answer.text
    assert answer.sources[answer.cited[0] - 1].document == "sop_incident_response.md"
    assert answer.timings["generate"] > 0
    # the de-quantized weights are cached for the next process
    assert (model_dir / "models" / "smollm2-135m-instruct" / "config.json").exists()


def test_ollama_down_falls_back_to_the_real_embedded_model(model_dir, embedder):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    settings = Settings(data_dir=model_dir, generator="ollama", ollama_host=dead, ollama_timeout=3)
    p = RagPipeline(settings, "e2e-fallback", embedder=embedder)
    p.ingest([ROOT / "demo_corpus" / "support_faq.html"])
    answer = p.ask("What does error code E-217 mean?", k=2)
    assert answer.backend == "embedded:SmolLM2-135M-Instruct"
    assert answer.fallback_reason and "no Ollama server" in answer.fallback_reason
    assert answer.text.strip()
