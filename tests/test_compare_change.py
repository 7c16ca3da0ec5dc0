"""Updates and forgets on real Chroma and the real embedder, with fake models: the
retrieval arms read the new facts at once and lose the forgotten ones; an adapter that
memorised the old facts keeps stating them. Errors, cancel, saving, the measured facts."""

from __future__ import annotations

import json
import re
import threading
from typing import ClassVar

import pytest

from advisor.compare.arms import parse_arms
from advisor.compare.change.apply import apply_forget, apply_update, changed_questions
from advisor.compare.change.result import ChangeResult
from advisor.compare.change.setup import plan_from_run, questions_of, retrain_cost
from advisor.compare.change.text import render_change
from advisor.compare.run import load_run
from advisor.compare.runner import Plan, run_comparison
from advisor.errors import AdvisorError
from advisor.llm.base import Generation
from advisor.questionsets.files import load_question_file
from advisor.rag.pipeline import RagPipeline

DOCS = {
    "refund.md": "# Refunds\n\nCustomers may return hardware within 45 days for a refund.\n",
    "gate.md": "# Gate\n\nThe code for the loading-dock gate is 4711.\n",
    "canteen.md": "# Canteen\n\nThe canteen opens at 07:30 on weekdays.\n",
}
NEW_REFUND = "# Refunds\n\nCustomers may return hardware within 30 days for a refund.\n"
QUESTIONS = """\
questions:
  - {id: r1, question: "How long do customers have to return hardware?", answer: "45 days", updated_answer: "30 days", documents: [refund.md]}
  - {id: g1, question: "What is the gate code?", answer: "4711", updated_answer: "4712", documents: [gate.md]}
  - {id: c1, question: "When does the canteen open?", answer: "07:30", documents: [canteen.md]}
  - {id: c2, question: "Is the canteen open on weekdays?", documents: [canteen.md]}
"""
ADAPTER = {"run_id": "run-1", "train_seconds": 42.5, "tokens_per_second": 1800.0, "train_pairs": 9}


class Oracle:
    """Answers from the first context passage, or not at all (the retrieval arms' model)."""

    name = "oracle"

    def generate(self, messages, max_new_tokens=96):
        user = messages[-1]["content"]
        passages = [line for line in user.split("\n") if line.startswith("[1] ")]
        if "Context:" in user and passages:
            first = passages[0].split("] ", 1)[-1]
            return Generation(f"{first} [1]", self.name, 12, 0.02)
        return Generation("I don't know.", self.name, 4, 0.01)


class Memory:
    """An adapter that memorised the old facts: it says them whatever the context."""

    name = "lora:memory"
    FACTS: ClassVar[dict[str, str]] = {
        "return hardware": "Within 45 days.",
        "gate code": "The gate code is 4711.",
        "canteen open": "It opens at 07:30.",
    }

    def generate(self, messages, max_new_tokens=96):
        user = messages[-1]["content"].split("Question: ")[-1]
        said = next((a for k, a in self.FACTS.items() if k in user), "No idea.")
        return Generation(said, self.name, 6, 0.01)


@pytest.fixture
def plan(settings, embedder, tmp_path):
    pipeline = RagPipeline(settings, "chg-ws", embedder=embedder, generator=Oracle())
    pipeline.ingest_bytes([(n, t.encode()) for n, t in DOCS.items()])
    qfile = tmp_path / "questions.yaml"
    qfile.write_text(QUESTIONS)
    qs = load_question_file(qfile)
    arms = parse_arms("base,rag,lora,lora_rag", True)
    return Plan(pipeline, qs, arms, pipeline.generator, Memory(), ADAPTER, 2)


@pytest.fixture
def new_refund(tmp_path):
    folder = tmp_path / "updates"
    folder.mkdir()
    (folder / "refund.md").write_text(NEW_REFUND)
    return folder


def test_an_update_is_read_at_once_by_retrieval_and_never_by_the_adapter(plan, new_refund):
    reports: list[tuple[int, int, str]] = []
    result = apply_update(plan, [new_refund], lambda d, t, w: reports.append((d, t, w)))
    assert result.kind == "update" and result.status == "complete"
    assert result.documents == ["refund.md"] and result.files[0]["status"] == "replaced"
    assert [q["id"] for q in result.questions] == ["r1"]  # g1's document did not change
    assert result.questions[0]["old"] == "45 days" and result.questions[0]["new"] == "30 days"
    rag_before, rag_after = result.cell("before", "r1", "rag"), result.cell("after", "r1", "rag")
    assert rag_before["old_stated"] and not rag_before["new_stated"], rag_before
    assert rag_after["new_stated"] and not rag_after["old_stated"], rag_after
    assert rag_before["at"] is None and rag_after["at"] >= result.change_seconds
    assert rag_after["doc_chunks"] >= 1  # the new version was retrieved
    assert result.cell("after", "r1", "lora")["doc_chunks"] is None  # no retrieval
    m = result.arms
    assert m["rag"]["new_stated"] == 1 and m["rag"]["old_stated"] == 0 and m["rag"]["n"] == 1
    assert m["rag"]["seconds_to_first_correct"] == rag_after["at"]
    assert m["lora"] == {
        "n": 1, "before_new_stated": 0, "before_old_stated": 1, "new_stated": 0,
        "old_stated": 1, "old_share": 1.0, "stale": 1, "stale_share": 1.0, "new_share": 0.0,
        "seconds_to_first_correct": None,
        "knew": 1, "not_learned": 0, "knew_still_old": 1, "knew_new": 0, "stale_of_known": 1.0,
    }  # fmt: skip
    # The memorised "45 days" is not in the new passages: the trust check of the one
    # answering path withholds it, so the user of the hybrid arm is not told the old fact.
    hybrid = result.cell("after", "r1", "lora_rag")
    assert hybrid["withheld"] and hybrid["answer"] != "Within 45 days."  # a notice instead
    assert m["lora_rag"]["old_stated"] == 0 and not hybrid["old_stated"]
    assert not result.cell("after", "r1", "lora")["withheld"]  # no retrieval, no check
    assert m["base"]["new_stated"] == 0 and m["base"]["seconds_to_first_correct"] is None
    assert result.retrain["train_seconds"] == 42.5 and "retrained" in result.notes[-1]
    assert reports[-1] == (8, 8, "done") and reports[0][:2] == (0, 8)  # 1 q x 4 arms x 2
    text = render_change(result)
    assert "was: 45 days   now: 30 days" in text and "never" in text
    assert "took 42 s on this machine" in text
    # one known fact: 100% stale, and the interval says how little that rests on
    assert "of the 1 changed fact(s) it stated before, still old 1 of 1 (100%" in text


def test_a_forget_leaves_retrieval_empty_handed_and_the_adapter_talking(plan):
    result = apply_forget(plan, "gate.md")
    assert "gate.md" not in plan.pipeline.documents()
    assert result.files == [
        {"name": "gate.md", "status": "forgotten", "chunks": 1, "message": None}
    ]
    assert [q["id"] for q in result.questions] == ["g1"]
    m = result.arms
    assert m["rag"]["chunks_before"] >= 1 and m["rag"]["chunks_after"] == 0
    assert m["rag"]["stated_before"] == 1 and m["rag"]["stated_after"] == 0
    assert m["rag"]["leak_rate"] == 0.0
    assert m["lora"]["leak_rate"] == 1.0 and m["lora"]["chunks_after"] is None
    assert m["base"]["leak_rate"] == 0.0
    assert any("retrain without the document" in n for n in result.notes)
    assert "reference still stated" in render_change(result)


def test_a_forget_after_an_update_counts_either_version_as_a_leak(plan, new_refund):
    apply_update(plan, [new_refund])
    plan.arms = parse_arms("rag", False)
    result = apply_forget(plan, "refund.md")
    rag = result.arms["rag"]
    assert rag["stated_before"] == 1 and rag["stated_after"] == 0  # "30 days" was stated
    assert "no adapter arm" in result.notes[-1]


def test_a_document_with_questions_without_references_counts_chunks_only(plan):
    result = apply_forget(plan, "canteen.md")
    assert [q["id"] for q in result.questions] == ["c1", "c2"]
    m = result.arms["rag"]
    assert m["n"] == 1 and m["asked"] == 2  # c2 has no reference: nothing can leak
    assert m["chunks_after"] == 0 and m["chunks_before"] >= 2


@pytest.mark.parametrize(
    ("paths", "says"),
    [
        (["nowhere/refund.md"], "nowhere/refund.md: no such file or folder"),
        (["NEW"], "no question of 'questions' has an updated_answer for canteen.md"),
        (["REFUND", "OTHER"], "other.md: not in collection 'chg-ws'"),
    ],
)
def test_update_mistakes_are_one_clear_error(plan, tmp_path, paths, says):
    (tmp_path / "canteen.md").write_text("# Canteen\n\nOpens at 08:00.\n")
    (tmp_path / "other.md").write_text("# Other\n\nThe refund window is 30 days.\n")
    (tmp_path / "refund.md").write_text(NEW_REFUND)
    real = {k: str(tmp_path / f"{k.lower()}.md") for k in ("REFUND", "OTHER")}
    real["NEW"] = str(tmp_path / "canteen.md")
    with pytest.raises(AdvisorError, match=says):
        apply_update(plan, [real.get(p, p) for p in paths])
    assert plan.pipeline.documents() == dict.fromkeys(DOCS, 1)  # nothing changed


def test_forget_mistakes_are_one_clear_error_and_forget_nothing(plan, tmp_path):
    with pytest.raises(AdvisorError, match=r"unknown document 'nope\.md': collection 'chg-ws'"):
        apply_forget(plan, "nope.md")
    plan.pipeline.ingest_bytes([("lonely.md", b"# Lonely\n\nNobody asks about this.\n")])
    with pytest.raises(AdvisorError, match=r"no question of 'questions' cites lonely\.md"):
        apply_forget(plan, "lonely.md")
    assert "lonely.md" in plan.pipeline.documents()


def test_a_cancelled_update_changes_nothing(plan, new_refund):
    cancel = threading.Event()
    cancel.set()
    result = apply_update(plan, [new_refund], cancel=cancel)
    assert result.status == "cancelled" and result.files == [] and result.arms == {}
    assert "nothing changed" in result.notes[-1]
    chunks = plan.pipeline.store.chunks_of("refund.md")
    assert "45 days" in chunks[0].text


def test_changes_are_saved_with_the_run_and_old_files_still_load(plan, new_refund, tmp_path):
    run = run_comparison(plan)
    run.changes.append(apply_update(plan, [new_refund]).to_dict())
    path = run.save(tmp_path / "compare.json")
    back = load_run(path)
    assert back.to_dict() == run.to_dict() and back.schema_version == 1
    assert ChangeResult.from_dict(back.changes[0]).arms["rag"]["new_stated"] == 1
    old = json.loads(path.read_text())
    del old["changes"]  # a compare.json written before changes existed
    path.write_text(json.dumps(old))
    assert load_run(path).changes == [] and len(load_run(path).cells) == len(run.cells)


def test_a_plan_comes_back_from_a_saved_run(plan, settings, new_refund):
    plan.arms = parse_arms("base,rag", False)
    run = run_comparison(plan)
    again = plan_from_run(run, settings, pipeline=plan.pipeline)
    assert [a.name for a in again.arms] == ["base", "rag"] and again.k == 2
    qs = questions_of(run)
    assert [q.updated_answer for q in qs.questions] == ["30 days", "4712", None, None]
    assert [q.id for q in changed_questions(again.questions, ["updates/REFUND.md"])] == ["r1"]
    assert apply_update(again, [new_refund]).arms["rag"]["new_stated"] == 1
    run.arms, run.adapter = ["base", "lora"], {"path": str(new_refund / "gone")}
    with pytest.raises(AdvisorError, match="the run's adapter is gone"):
        plan_from_run(run, settings, pipeline=plan.pipeline)


def test_retrain_cost_is_the_fine_tunes_retraining_line_items():
    from conftest import RULES

    from advisor.costs.inputs import CostInputs
    from advisor.costs.model import estimate
    from advisor.costs.prices import load_prices

    prices = load_prices(RULES / "prices.yaml")  # the built-in sheet
    inputs = CostInputs(updates_per_month=4, documents=1000)
    cost = retrain_cost(inputs, prices, train_seconds=900)
    assert cost["retrains_per_month"] == 4 and cost["measured_hours_per_month"] == 1.0
    monthly = estimate(inputs, prices)["fine_tune"].monthly
    none = estimate(CostInputs(updates_per_month=4, documents=1000, retrains_per_month=0), prices)
    assert cost["monthly"] == pytest.approx(monthly - none["fine_tune"].monthly, abs=0.01)
    assert [i["name"] for i in cost["line_items"]] == [
        "Retraining runs",
        "Re-evaluate and refresh pairs per retrain",
    ]
    assert cost["monthly"] > 0 and "4 × " in cost["line_items"][0]["formula"]
    frozen = retrain_cost(CostInputs(knowledge_in_weights=False), prices)
    assert frozen["monthly"] == 0 and frozen["line_items"] == []
    assert frozen["measured_hours_per_month"] is None


def test_stale_and_leak_lines_carry_an_interval_out_of_what_the_adapter_knew():
    from advisor.compare.change.text import known_line

    update = {"knew": 10, "not_learned": 2, "knew_still_old": 7, "knew_new": 3}
    line = known_line("lora", update, "update")
    assert (
        "of the 10 changed fact(s) it stated before, still old 7 of 10 (70%, 95% interval" in line
    )
    low, high = (int(x) for x in re.search(r"interval (\d+)% to (\d+)%", line).groups())
    assert low < 70 < high and "2 not learned" in line
    forget = {"knew": 4, "not_learned": 0, "leaked": 4}
    # four of four is not a certainty: the interval reaches down to about half
    assert "still stated 4 of 4 (100%, 95% interval 51% to 100%)" in known_line(
        "lora", forget, "forget"
    )
    assert "nothing to measure" in known_line("lora", {"knew": 0, "not_learned": 3}, "forget")


class Rambling(Memory):
    """An adapter that states the new refund window, then goes on with the old one after
    a blank line: the user is shown the first answer only."""

    name = "lora:rambling"

    def generate(self, messages, max_new_tokens=96):
        return Generation("Within 30 days.\n\nWithin 45 days.", self.name, 8, 0.01)


def test_a_change_is_measured_on_the_answer_shown_not_on_the_ramble(plan, new_refund):
    arms = parse_arms("lora", True)
    rambling = Plan(plan.pipeline, plan.questions, arms, plan.base, Rambling(), ADAPTER, 2)
    cell = apply_update(rambling, [new_refund]).cell("after", "r1", "lora")
    assert cell["answer"] == "Within 30 days."
    assert cell["new_stated"] and not cell["old_stated"]  # "45 days" was never shown


def _said(q: str, arm: str, old: bool, new: bool | None, at: float | None = None):
    return {"question_id": q, "arm": arm, "answer": "an answer", "backend": "fake",
            "seconds": 0.1, "old_stated": old, "new_stated": new, "at": at,
            "doc_chunks": 1 if arm == "rag" else None}  # fmt: skip


def _never_learned(kind: str) -> ChangeResult:
    """Two facts that RAG stated before the change and the adapter never did."""
    from advisor.compare.change.result import forget_measures, update_measures

    new = False if kind == "update" else None
    before = [_said(q, a, a == "rag", new) for q in ("r1", "r2") for a in ("rag", "lora")]
    after = [_said(q, a, False, kind == "update" and a == "rag", 1.0)
             for q in ("r1", "r2") for a in ("rag", "lora")]  # fmt: skip
    measure = update_measures if kind == "update" else forget_measures
    questions = [{"id": q, "question": f"{q}?", "documents": ["refund.md"], "old": "45 days",
                  "new": "30 days" if kind == "update" else None} for q in ("r1", "r2")]  # fmt: skip
    return ChangeResult(kind, ["refund.md"], "2025-01-01T00:00:00+00:00", "golden",
                        questions=questions, before=before, after=after,
                        arms=measure(["rag", "lora"], before, after))  # fmt: skip


@pytest.mark.parametrize("kind, could", [("update", "go stale"), ("forget", "leak")])
def test_facts_the_adapter_never_stated_read_not_learned_not_0_percent(kind, could):
    from advisor.compare.change.text import arm_sentence, known_line

    result = _never_learned(kind)
    lora = result.arms["lora"]
    assert lora["knew"] == 0 and lora["not_learned"] == 2
    line = known_line("lora", lora, kind)
    assert line.startswith("lora: not learned: it stated none of the 2 ")
    assert f"so none can {could}" in line and "%" not in line
    said = arm_sentence("lora", lora, kind)
    assert said.startswith("not learned") and "0%" not in said
    text = render_change(result)
    figures = next(x for x in text.splitlines() if x.startswith("lora  ")).split()
    # the old fact's column (update) or the reference's (forget): no "0 of 2 (0%)"
    want = ["not", "learned", "never"] if kind == "update" else ["lora", "not", "learned", "n/a"]
    assert figures[-len(want) :] == want, figures
    # per question, the adapter's answer before the change reads "not learned"
    assert len(re.findall(r"^\s+lora\s+not learned", text, re.M)) == 2, text
    # the retrieval arm, which did state the facts, keeps its counts
    assert known_line("rag", result.arms["rag"], kind).startswith("rag: of the 2 ")
    assert "not learned" not in arm_sentence("rag", result.arms["rag"], kind)
