"""End to end with every real component: Chroma, MiniLM and the embedded SmolLM2."""

import socket

from conftest import ROOT

from advisor.questionsets.files import load_question_file
from advisor.rag.pipeline import RagPipeline
from advisor.rag.prompt import citations
from advisor.settings import Settings

# Golden questions whose documents are ingested below. SmolLM2-135M answers them with the
# right fact, writing the [n] itself for one and not for the other: a missing citation is
# then ours, by attribution (citation_added). This test checks the fact and where the citation
# points, and that citation_added says truthfully who cited; it does not claim the model
# cites (test_rag_pipeline.py checks both citation paths with fake models).
# (q35, "Who is the safety officer?", was here: its question is so short that no passage
# is close enough to it under the support threshold chosen on the three sets, so its right
# draft is withheld as "do not seem to say", with the closest passages shown below it.)
GOLD = ("q01", "q36")  # the refund window; how long flight logs are kept


def test_real_model_states_the_gold_fact_and_its_citation_points_at_the_gold_chunk(
    model_dir, embedder
):
    golden = {q.id: q for q in load_question_file(ROOT / "demo_corpus" / "golden.yaml").questions}
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
    for qid in GOLD:
        gold = golden[qid]
        answer = p.ask(gold.question, k=3)
        assert answer.backend == "embedded:SmolLM2-135M-Instruct"
        assert answer.sources[0].document in gold.documents, qid
        # the real model's own words carry the gold fact
        assert gold.answer.lower() in answer.text.lower(), (qid, answer.text)
        # the first citation, the model's or attributed, is a chunk of the gold document
        # that holds the fact
        assert answer.cited, (qid, answer.text)
        cited = answer.sources[answer.cited[0] - 1]
        assert cited.document in gold.documents, (qid, answer.text, cited.document)
        assert gold.answer.lower() in cited.text.lower(), (qid, cited.text)
        # citation_added is true exactly when the model's text cited nothing
        suffix = f" [{answer.cited[0]}]"
        model_text = answer.text.removesuffix(suffix) if answer.citation_added else answer.text
        model_cited = citations(model_text, len(answer.sources))
        assert not answer.citation_added or (
            answer.text.endswith(suffix) and len(answer.cited) == 1
        ), answer.text
        assert model_cited == ([] if answer.citation_added else answer.cited), answer.text
        assert answer.timings["generate"] > 0
    # the de-quantized weights are cached, under their GGUF file's digest, for the next process
    assert len(list(model_dir.glob("smollm2-135m-instruct-*/config.json"))) == 1


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
