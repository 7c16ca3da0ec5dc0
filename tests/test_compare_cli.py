"""`advisor compare` end to end: the real embedder, Chroma, SmolLM2 and a real adapter.

Three questions through all four arms as a user would run it: a CSV question set, the
demo documents ingested by --docs, the adapter the fine-tune tests trained.
"""

import csv
import io
import json

import pytest
from conftest import ROOT, run_cli

pytestmark = pytest.mark.slow
CORPUS = ROOT / "demo_corpus"


def test_four_arms_on_the_demo_documents(trained_adapter, model_dir, tmp_path):
    split, result, _ = trained_adapter
    trained = split.train[0]
    questions = tmp_path / "questions.csv"
    with questions.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "question", "answer", "documents"])
        w.writerow(["t1", trained.prompt, trained.completion, trained.source])
        w.writerow(["u1", "What does error E-305 indicate?", "positioning signal was lost",
                    "support_faq.html"])  # fmt: skip
        w.writerow(["n1", "Which robot vacuum models are sold?", "", ""])  # no reference
    out = tmp_path / "grid.csv"
    # model_dir holds the de-quantized model cache the other real-model tests made
    done = run_cli(
        "compare", "--questions", str(questions), "--docs", str(CORPUS), "--adapter",
        str(result.out), "--arms", "base,rag,lora,lora_rag", "--k", "3", "--json",
        "--out", str(out), "--data-dir", str(model_dir), "--collection", "cmp-cli",
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    run = json.loads(done.stdout)
    assert run["schema_version"] == 1 and run["status"] == "complete"
    assert run["arms"] == ["base", "rag", "lora", "lora_rag"]
    assert len(run["cells"]) == 12 and all(c["answer"].strip() for c in run["cells"])
    assert run["adapter"]["data_hash"] == split.data_hash()
    rows = {r["id"]: r for r in run["rows"]}
    assert rows["t1"]["relation"] == "trained" and rows["u1"]["relation"] == "unseen"
    # retrieval ran once per question and found the document that holds the answer
    assert rows["u1"]["hit"] == 1.0 and rows["u1"]["retrieved"][0]["document"] == "support_faq.html"
    cells = {(c["question_id"], c["arm"]): c for c in run["cells"]}
    assert cells[("n1", "rag")]["correct"] is None  # no reference: not applicable, not wrong
    assert cells[("u1", "base")]["groundedness"] is None  # no context to be grounded in
    # A retrieval arm's answer is either shown and scored for groundedness, or withheld
    # by the trust check with the model's draft and the reason kept (the small model's
    # wording decides which; each outcome has its own contract).
    for arm in ("rag", "lora_rag"):
        cell = cells[("u1", arm)]
        if cell["draft"] is None:
            assert cell["groundedness"] is not None, cell
        else:
            assert cell["answer"] != cell["draft"], cell  # the notice, not the model's words
            assert cell["groundedness"] is None and cell["trust_reason"], cell
            assert cell["correct"] == 0.0  # scored as what the user sees: no answer
    # u1 has a reference: every arm's answer is scored (whether right is the golden
    # test's business below), n1 has none: no arm's is
    assert all(cells[("u1", a)]["correct"] is not None for a in run["arms"])
    assert all(cells[("n1", a)]["correct"] is None for a in run["arms"])
    arms = run["aggregates"]["arms"]
    assert set(arms) == set(run["arms"])
    # the saved run and the CSV export hold the same 12 answers
    saved = json.loads((model_dir / "compare" / "cmp-cli" / "compare.json").read_text())
    assert saved["cells"] == run["cells"]
    grid = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(grid) == 12 and {g["arm"] for g in grid} == set(run["arms"])


def test_lora_arm_without_adapter_is_one_line(tmp_path):
    questions = tmp_path / "q.yaml"
    questions.write_text("questions: ['What is the SLA?']\n", encoding="utf-8")
    done = run_cli("compare", "--questions", str(questions), "--arms", "base,lora",
                   "--data-dir", str(tmp_path / "d"))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "adapter" in done.stderr


def test_rag_beats_the_base_model_on_the_demo_golden_questions(model_dir, embedder):
    """The comparison's central claim on the demo: the same model answers the documents'
    questions better with retrieval than without (12 golden questions, both arms)."""
    from advisor.compare.runner import run_comparison
    from advisor.compare.session import build_plan
    from advisor.questionsets.files import load_question_file
    from advisor.rag.pipeline import RagPipeline
    from advisor.settings import Settings

    settings = Settings(data_dir=model_dir)
    pipeline = RagPipeline(settings, "cmp-golden", embedder=embedder)
    pipeline.ingest([CORPUS])
    golden = load_question_file(CORPUS / "golden.yaml")
    twelve = [q for q in golden.questions if q.variant_of is None][:12]
    qs = type(golden)(golden.name, twelve, golden.sha256, golden.origin)
    plan = build_plan(settings, questions=qs, arms="base,rag", k=5, pipeline=pipeline)
    run = run_comparison(plan)
    right = {
        arm: {c.question_id for c in run.cells if c.arm == arm and c.correct == 1.0}
        for arm in ("base", "rag")
    }
    assert len(right["rag"]) > len(right["base"]), right
    # paired: more questions only RAG gets right than only the base model gets right
    assert len(right["rag"] - right["base"]) > len(right["base"] - right["rag"]), right
    assert run.settings["mode"] == "hybrid"  # the workspace's mode, recorded as used


def test_answerable_and_unanswerable_sets_in_one_run_print_every_measure(model_dir, tmp_path):
    known = tmp_path / "known.yaml"
    known.write_text(
        "questions:\n"
        "  - {id: q1, question: 'What does error E-305 indicate?', "
        "answer: positioning signal was lost, documents: [support_faq.html]}\n"
        "  - {id: q2, question: 'What does error code E-217 mean?', "
        "answer: propeller imbalance, documents: [support_faq.html]}\n"
    )
    # the demo's unanswerable file as it ships; --first 5 keeps the two above and three
    # of it, to keep the run short
    unknown = CORPUS / "unanswerable.yaml"
    done = run_cli(
        "compare", "--questions", str(known), "--questions", str(unknown), "--first", "5",
        "--docs", str(CORPUS / "support_faq.html"), "--arms", "base,rag", "--k", "3",
        "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "run.json"), timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    plan = next(x for x in done.stderr.splitlines() if x.startswith("5 questions x 2 arms"))
    assert plan.startswith("5 questions x 2 arms (base, rag): about ")  # with the estimate
    run = json.loads((tmp_path / "run.json").read_text())
    unanswerable = [r for r in run["rows"] if r["unanswerable"]]
    assert len(run["rows"]) == 2 + len(unanswerable) and len(unanswerable) == 3
    out = done.stdout
    assert f"On {len(unanswerable)} questions your documents do not answer" in out
    assert "context recall" in out and "Retrieval put the answer in front of the model" in out
    assert "base minus rag: not applicable: only 2 paired questions (need 5)" in out
    rag = run["aggregates"]["arms"]["rag"]
    assert rag["abstention"]["n"] == len(unanswerable)
    assert rag["abstention"]["mean"] + rag["hallucination"]["mean"] == pytest.approx(1.0)
