"""The Compare page in context, headless with AppTest and the real models: the question
set it offers for the documents loaded (the demo's golden set only with the demo corpus,
else questions generated from the user's own) and keeps across a reload; what the run
will be before it starts (questions, arms, an estimate), the first N questions only, and
after it, a headline that names a winner only when the arms can be told apart, a legend
and one sentence on what it did to the verdict, which the questionnaire then shows too."""

from __future__ import annotations

import json
import uuid

import pytest
from apptest import by_key, go, open_app
from conftest import ROOT

from advisor.questionsets.files import load_question_file
from advisor.settings import get_settings


@pytest.fixture(autouse=True)
def app_data(monkeypatch, model_dir, tmp_path):
    # a data folder of this test's own; the run's model cache (ADVISOR_CACHE_DIR, built once)
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_the_first_n_questions_with_an_estimate_then_the_verdict_sentence():
    at = open_app(session={"ws_id": "apptest-compare"}, timeout=300)
    go(at, "documents")
    by_key(at.button, "docs_demo").click().run()
    go(at, "compare")
    assert by_key(at.radio, "cmp_source").value == "demo"  # the demo corpus: its golden set
    plan = next(c for c in _captions(at) if "Estimated time:" in c)
    # the demo's golden set (with its reworded twins), all of it by default, through the
    # two arms that need no adapter
    n = len(load_question_file(ROOT / "demo_corpus" / "golden.yaml").questions)
    assert f"{n} questions" in plan and f"× 2 arms = {2 * n} answers" in plan, plan
    assert "from the benchmark on a 2-core laptop" in plan or "from the last comparison" in plan
    first = next(w for w in at.number_input if w.key.startswith("cmp_first"))
    assert first.value == n and first.max == n
    first.set_value(6).run()
    plan = next(c for c in _captions(at) if "Estimated time:" in c)
    assert plan.startswith("6 questions (6 with a reference answer) × 2 arms = 12 answers")
    by_key(at.button, "cmp_run").click().run()
    job = at.session_state["cmp_job"]
    job.thread.join(timeout=600)
    assert job.error is None, job.error
    at.run()  # the progress fragment sees the end and reruns the page
    at.run()
    run = at.session_state["compare_run"]
    assert len(run.rows) == 6 and f"first 6 of {n}" in run.question_set["name"]
    effect = next(m.value for m in at.markdown if m.value.startswith("**On the verdict:**"))
    assert "Moves nothing in the verdict" in effect or "Moves the verdict" in effect
    assert "interval" in effect or "fewer than 5" in effect, effect  # its figure, honestly
    legend = next(c for c in _captions(at) if c.startswith("**correct**"))
    for word in ("**F1**", "**grounded**", "**trained**", "**paraphrase**", "**unseen**"):
        assert word in legend
    # the next estimate rests on this run's measured speeds
    plan = next(c for c in _captions(at) if "Estimated time:" in c)
    assert "from the last comparison here" in plan
    speeds = json.loads((get_settings().model_cache / "compare-speed.json").read_text())
    assert any(set(v["seconds_per_answer"]) == {"base", "rag"} for v in speeds.values())

    go(at, "")  # the questionnaire says what the run did to its verdict
    measured = [c for c in _captions(at) if c.startswith("The comparison of ")]
    assert measured and ("6 questions, base, rag" in measured[0]), measured
    assert any(m.value == "**Measured on your documents**" for m in at.markdown)


OWN = (
    b"# Leave\n\nEmployees receive 28 days of paid leave a year.\n\n"
    b"# Expenses\n\nTravel claims must be filed within 30 days of the trip.\n"
)


def _own_documents(embedder, ws: str) -> None:
    """The user's own document in workspace `ws` (not the demo corpus)."""
    from advisor.rag.pipeline import RagPipeline
    from advisor.settings import Settings

    pipeline = RagPipeline(Settings(data_dir=get_settings().data_dir), f"ws-{ws}",
                           embedder=embedder)  # fmt: skip
    pipeline.ingest_bytes([("handbook.md", OWN)])


def test_with_own_documents_the_set_is_generated_from_them_and_the_demo_set_is_not_offered(
    embedder,
):
    from advisor.workspace import load

    ws = uuid.uuid4().hex
    _own_documents(embedder, ws)
    at = go(open_app(url={"ws": ws}), "compare")
    source = by_key(at.radio, "cmp_source")
    assert source.value == "generated"
    assert "Demo golden set" not in source.options and "Upload a question file" in source.options
    # a default is not a choice: nothing is kept, the page picks it again from the documents
    assert load(get_settings().data_dir, f"ws-{ws}")[0].questions.source is None


def test_the_demo_set_is_offered_only_when_the_demo_corpus_is_what_the_workspace_holds():
    from advisor.ui.compare import _demo_ids, demo_loaded

    class Store:
        def __init__(self, ids):
            self.ids = ids

        def stored_doc_ids(self, names):
            return {n: self.ids[n] for n in names}

    class Pipeline:
        def __init__(self, ids):
            self.store = Store(ids)

        def documents(self):
            return dict.fromkeys(self.store.ids, 1)

    demo = {name: min(ids) for name, ids in _demo_ids().items()}
    assert "refund_policy.md" in demo and "golden.yaml" not in demo
    assert demo_loaded(Pipeline(demo))
    assert not demo_loaded(Pipeline({**demo, "handbook.md": "0123"}))  # and the user's own
    assert not demo_loaded(Pipeline({"sla.md": "0123"}))  # the user's own sla.md
    assert not demo_loaded(Pipeline({}))


def test_the_question_set_chosen_survives_a_reload(embedder):
    ws = uuid.uuid4().hex
    _own_documents(embedder, ws)
    at = go(open_app(url={"ws": ws}), "compare")
    by_key(at.radio, "cmp_source").set_value("typed").run()
    by_key(at.text_area, "cmp_typed").input("How many days of paid leave? | 28 days").run()
    again = go(open_app(url={"ws": ws}), "compare")  # a reload: a new session, the same link
    assert by_key(again.radio, "cmp_source").value == "typed"
    assert by_key(again.text_area, "cmp_typed").value == "How many days of paid leave? | 28 days"
    plan = next(c for c in _captions(again) if "Estimated time:" in c)
    assert plan.startswith("1 question (1 with a reference answer)"), plan


def test_a_question_file_uploaded_before_is_read_again_after_a_reload(embedder):
    from advisor.workspace import QuestionChoice, WorkspaceState, save

    ws = uuid.uuid4().hex
    _own_documents(embedder, ws)
    data = get_settings().data_dir
    uploads = data / "uploads" / f"ws-{ws}"
    uploads.mkdir(parents=True)
    (uploads / "mine.yaml").write_text(
        "questions:\n  - {question: How many days of paid leave?, answer: 28 days}\n"
        "  - {question: Within how long must travel claims be filed?, answer: 30 days}\n"
    )
    choice = QuestionChoice(source="upload", file="mine.yaml")
    save(data, f"ws-{ws}", WorkspaceState(questions=choice))
    at = go(open_app(url={"ws": ws}), "compare")
    assert by_key(at.radio, "cmp_source").value == "upload"
    assert any(c.startswith("Questions from mine\\.yaml, uploaded before") for c in _captions(at))
    plan = next(c for c in _captions(at) if "Estimated time:" in c)
    assert plan.startswith("2 questions (2 with a reference answer)"), plan


def _tied_run(ws: str):
    """RAG right on 3 of 10 questions, LoRA on 2, from a cancelled fine-tune."""
    from advisor.compare.run import Cell, ComparisonRun, Row
    from advisor.compare.summary import summarise

    rows = [Row(f"q{i}", f"Question {i}?", "45 days", ["a.md"]) for i in range(10)]
    right = {"rag": {0, 1, 2}, "lora": {0, 1}}
    cells = [Cell(r.id, a, "45 days", "fake", 0.1, 3, correct=float(i in right[a]))
             for a in right for i, r in enumerate(rows)]  # fmt: skip
    card = {"run_id": "run-7", "status": "cancelled", "partial": "partial: cancelled after 4 steps"}
    run = ComparisonRun(["rag", "lora"], rows, cells, collection=f"ws-{ws}", adapter=card)
    run.aggregates = summarise(run)
    return run


def test_the_page_headline_says_arms_that_cannot_be_told_apart_and_a_partial_adapter():
    at = go(open_app(session={"ws_id": "apptest-head", "compare_run": _tied_run("apptest-head")}),
            "compare")  # fmt: skip
    heads = [s.value for s in at.subheader]
    title = "RAG and LoRA could not be told apart on 10 questions"
    assert f"{title} (the adapter run-7 is partial: cancelled after 4 steps)" in heads, heads
    assert not any("Most correct" in h for h in heads)
    assert any(c.startswith("Difference +10 points, 95% interval ") for c in _captions(at))
