"""Integration: the real embedded Chroma and the real embedding model (generation faked)."""

import shutil

import pytest
from conftest import ROOT, FakeGenerator

from advisor.rag.pipeline import RagPipeline
from advisor.rag.trust import CANNOT_CHECK, MIN_SUPPORT, NOT_IN_DOCUMENTS

CORPUS = ROOT / "demo_corpus"


@pytest.fixture
def pipeline(settings, embedder):
    return RagPipeline(settings, "test-ws", embedder=embedder, generator=FakeGenerator())


@pytest.fixture
def docs(tmp_path):
    """A private copy of the demo corpus that tests may change."""
    dest = tmp_path / "docs"
    shutil.copytree(CORPUS, dest, ignore=shutil.ignore_patterns("updates", "_build"))
    return dest


def test_ingest_the_demo_corpus_and_answer_with_sources(pipeline, docs):
    results = pipeline.ingest([docs])
    assert {r.status for r in results} == {"added"}
    assert len(results) == 18 and pipeline.store.count() == sum(r.chunks for r in results)
    answer = pipeline.ask("What does error code E-217 mean?")
    assert answer.sources[0].document == "support_faq.html"
    assert "propeller imbalance" in answer.sources[0].text
    # The fake model cites [1] itself: no attribution, and [1] is the FAQ chunk it quoted.
    assert answer.backend == "fake" and answer.text.endswith(" [1]")
    assert answer.cited == [1] and answer.citation_added is False
    assert answer.sources[answer.cited[0] - 1].document == "support_faq.html"
    assert set(answer.timings) >= {"embed_query", "dense", "bm25", "retrieve", "generate", "total"}
    assert {"dense", "bm25", "fused"} <= set(answer.sources[0].scores)


def test_ingesting_the_same_file_twice_changes_nothing(pipeline, docs):
    pipeline.ingest([docs / "sla.md"])
    before = pipeline.store.col.get(include=["documents"])
    again = pipeline.ingest([docs / "sla.md"])
    assert [r.status for r in again] == ["unchanged"]
    assert pipeline.store.col.get(include=["documents"]) == before


def test_a_changed_file_replaces_its_chunks(pipeline, docs):
    pipeline.ingest([docs])
    count = pipeline.store.count()
    shutil.copy(CORPUS / "updates" / "refund_policy.md", docs / "refund_policy.md")
    results = {r.name: r.status for r in pipeline.ingest([docs])}
    assert results["refund_policy.md"] == "replaced"
    assert sum(s == "unchanged" for s in results.values()) == 17
    assert pipeline.store.count() == count  # same number of chunks, new content
    texts = " ".join(s.text for s in pipeline.ask("refund window days", generate=False).sources)
    assert "30 days" in texts and "45 days" not in texts


def test_forget_is_visible_to_the_next_query(pipeline, docs):
    pipeline.ingest([docs])
    assert pipeline.ask("E-217 error", generate=False).sources[0].document == "support_faq.html"
    removed = pipeline.forget("support_faq.html")
    assert removed == 5
    sources = pipeline.ask("E-217 error", k=10, generate=False).sources
    assert all(s.document != "support_faq.html" for s in sources)
    assert "support_faq.html" not in pipeline.documents()


def test_bad_files_are_reported_and_nothing_stored_is_touched(pipeline, docs, tmp_path):
    pipeline.ingest([docs / "sla.md", docs / "refund_policy.md"])
    before = pipeline.store.col.get(include=["documents", "metadatas"])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.4 garbage")
    (bad / "binary.txt").write_bytes(bytes(range(256)))
    (bad / "latin.txt").write_bytes("déjà vu".encode("cp1252"))
    (bad / "notes.txt").write_text("The canteen opens at 11:15 on weekdays.")
    results = {r.name: r for r in pipeline.ingest([bad])}
    assert {n: r.status for n, r in results.items()} == {
        "binary.txt": "error",
        "corrupt.pdf": "error",
        "empty.txt": "error",
        "latin.txt": "error",
        "notes.txt": "added",
    }
    assert "not UTF-8" in results["latin.txt"].message
    after = pipeline.store.col.get(include=["documents", "metadatas"])
    old = set(before["ids"])
    assert old <= set(after["ids"])
    kept = {i: d for i, d in zip(after["ids"], after["documents"], strict=False) if i in old}
    assert kept == dict(zip(before["ids"], before["documents"], strict=False))


def test_workspaces_never_mix(settings, embedder, docs):
    a = RagPipeline(settings, "user-a", embedder=embedder)
    b = RagPipeline(settings, "user-b", embedder=embedder)
    a.ingest([docs / "sla.md"])
    b.ingest([docs / "refund_policy.md"])
    assert list(a.documents()) == ["sla.md"] and list(b.documents()) == ["refund_policy.md"]
    assert {s.document for s in b.ask("availability credit", generate=False).sources} == {
        "refund_policy.md"
    }


def test_uploaded_bytes_and_a_bad_collection_name(pipeline, settings, embedder):
    results = pipeline.ingest_bytes([("faq.md", b"# FAQ\n\nThe gate code is 4711."), ("x.md", b"")])
    assert [r.status for r in results] == ["added", "error"]
    from advisor.errors import InputError

    with pytest.raises(InputError, match="collection"):
        RagPipeline(settings, "a!", embedder=embedder)


def test_hybrid_retrieval_is_at_least_as_good_as_either_retriever(settings, embedder):
    from advisor.questionsets.files import load_question_file
    from advisor.rag.evaluate import evaluate, select

    golden = select(load_question_file(CORPUS / "golden.yaml").questions)
    assert len(golden) >= 40
    p = RagPipeline(settings, "golden-ws", embedder=embedder)
    p.ingest([CORPUS])
    scores = {m: evaluate(p.retrieve, golden, m) for m in ("bm25", "dense", "hybrid")}
    best = max(scores["bm25"].mrr, scores["dense"].mrr)
    assert scores["hybrid"].mrr >= best
    assert scores["hybrid"].hit_at_k >= max(scores["bm25"].hit_at_k, scores["dense"].hit_at_k)
    # exact terms (product and error codes) are where BM25 helps dense search
    assert scores["hybrid"].by_tag["exact-term"][1] > scores["dense"].by_tag["exact-term"][1]


def test_chunks_of_a_document_in_order_with_token_counts(pipeline, docs):
    pipeline.ingest([docs / "onboarding_guide.pdf"])
    chunks = pipeline.store.chunks_of("onboarding_guide.pdf")
    assert [c.chunk for c in chunks] == list(range(len(chunks)))
    assert [c.page for c in chunks] == [1, 2, 3] and all(c.tokens > 0 for c in chunks)


# Three one-fact documents: which chunk an answer's words come from is unambiguous.
FACTS = [
    ("canteen.md", b"# Canteen\n\nThe canteen opens at 11:15 on weekdays and serves soup."),
    ("gate.md", b"# Gate\n\nThe loading dock gate code is 4711 and changes every quarter."),
    ("parking.md", b"# Parking\n\nVisitors park on level three of the north garage."),
]
QUESTION = "When does the canteen open?"


@pytest.fixture
def facts(settings, embedder):
    """A pipeline over FACTS, and the source number of each document for QUESTION."""
    p = RagPipeline(settings, "facts-ws", embedder=embedder)
    assert [r.status for r in p.ingest_bytes(FACTS)] == ["added"] * 3
    sources = p.ask(QUESTION, k=3, generate=False).sources
    number = {s.document: s.n for s in sources}
    assert sorted(number) == ["canteen.md", "gate.md", "parking.md"]
    return p, number


def test_a_citation_the_model_gives_is_kept_as_given(facts):
    p, number = facts
    n = number["gate.md"]
    assert n != 1  # the canteen chunk ranks first: citing another is the model's choice
    reply = f"The gate code is 4711 [{n}]."
    answer = p.ask(QUESTION, k=3, generator=FakeGenerator(reply))
    assert answer.text == reply and answer.cited == [n] and answer.citation_added is False
    assert answer.sources[n - 1].document == "gate.md"


def test_an_uncited_answer_is_attributed_to_the_chunk_whose_words_it_uses(facts):
    p, number = facts
    n = number["parking.md"]
    assert n != 1  # so attributing to the top-ranked chunk would be caught
    reply = "Visitors park on level three of the north garage."
    answer = p.ask(QUESTION, k=3, generator=FakeGenerator(reply))
    assert answer.citation_added is True
    assert answer.cited == [n] and answer.text == f"{reply} [{n}]"
    assert answer.sources[n - 1].document == "parking.md"


@pytest.mark.parametrize(
    "reply", ["Zebras hum quietly beside violet mountains.", "I don't know the parking level."]
)
def test_nothing_is_attributed_to_an_answer_no_chunk_supports(facts, reply):
    p, _ = facts
    answer = p.ask(QUESTION, k=3, generator=FakeGenerator(reply))
    # withheld (advisor.rag.trust): the model's own words stay available and no chunk is
    # credited with them. The parking passage is close to the question, so the user is
    # pointed to it ("may hold it") rather than told the documents do not say; a model
    # that itself found nothing gets "do not say".
    assert answer.draft == reply and answer.text == answer.trust.notice
    if answer.trust.refused:
        assert answer.text == NOT_IN_DOCUMENTS
    else:
        assert answer.trust.support >= MIN_SUPPORT
        assert answer.text == CANNOT_CHECK.format(n=answer.trust.best)
        best = answer.sources[answer.trust.best - 1]  # the passage closest to the question
        assert best.scores["dense"] == answer.trust.support
    assert answer.cited == [] and answer.citation_added is False
    assert answer.trust.abstain and answer.trust.reason
    assert answer.sources  # the closest passages are still shown
