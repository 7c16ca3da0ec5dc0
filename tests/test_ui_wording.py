"""How the app words things: questions not ids, seed titles, numbers, loss curves."""

from pathlib import Path

from conftest import RULES

from advisor.advice import recommend
from advisor.ui import wording


def test_reasons_use_the_questions_words_and_do_not_repeat_the_answer(rules):
    given = {"needs_external_data": True, "needs_citations": True, "monthly_queries": 20_000_000}
    rec = recommend(rules, given)
    lines = [line for f in wording.weighing(rec) for line in wording.reasons(rules, rec, f)]
    text = "\n".join(lines)
    assert "Must answers cite their sources so users can verify them? **yes**" in lines
    assert "(is " not in text and "needs_citations" not in text
    for f in rec.fired:
        for e in f.answers:  # no question id anywhere, facts included
            assert f"{e.question} =" not in text


def _all_reasons(rules, given):
    rec = recommend(rules, given)
    return {f.rule: wording.reasons(rules, rec, f) for f in rec.fired}


def test_reasons_state_thresholds_and_negations(rules):
    shown = _all_reasons(rules, {"latency_budget_ms": 50})
    latency = "What is the latency budget for the model's answer, end to end?"
    assert f"{latency} **50 ms** (less than 100 ms)" in shown["latency_critical"]
    cite = "Must answers cite their sources so users can verify them?"
    assert f"{cite} **not answered**" in shown["tight_latency_low_stakes"]
    behaviours = "Which behaviours must the model show reliably, beyond what a prompt gets you?"
    general = _all_reasons(rules, {"needs_external_data": False})["tree_general_improvement"]
    assert general[-1] == f"{behaviours} **not answered**"  # not "none of ...", not "none"
    implied = _all_reasons(rules, {"failure_mode": "knowledge"})["tree_external_data"]
    assert implied == [
        "Does the application need external, private, or frequently changing data? "
        "**yes (implied)**"
    ]
    big = _all_reasons(
        rules,
        {"monthly_queries": 20_000_000, "needs_external_data": True, "knowledge_change": "never"},
    )
    queries = "How many queries per month do you expect?"
    volume = f"{queries} **20,000,000 queries/month** (10,000,000 queries/month or more)"
    assert volume in big["high_volume"]


def test_flip_lines_and_the_rule_count_agree_with_the_report(rules):
    rec = recommend(rules, {"failure_mode": "knowledge", "golden_eval_set": False})
    lines = [wording.flip_line(rules, f) for f in rec.flips]
    assert "What goes wrong with the model's answers today? **Not sure where the problem is** → " \
        "**Prompt engineering first**" in lines  # fmt: skip
    # an unanswered number flips at its nearest threshold, once, as a range
    assert "How many labelled instruction-response pairs could you assemble? " not in " ".join(
        lines
    )  # no behaviour need: labelled pairs cannot flip a knowledge verdict
    assert len(wording.weighing(rec)) == len(rec.fired) - 1  # mistake_no_eval only warns


def test_seed_titles_are_readable_and_cached(monkeypatch):
    reads: list[Path] = []
    read_text = Path.read_text

    def counted(self, *args, **kwargs):
        reads.append(self)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counted)
    wording.seed_title.cache_clear()  # other tests may have filled it
    seeds = sorted((RULES / "seeds").iterdir())
    titles = {p.name[:3]: wording.seed_title(p) for p in seeds}
    assert titles == {
        # first sentence cut at its comma: the whole line is over 70 characters
        "000": "When teams start adopting RAG (Retrieval-Augmented Generation)",
        "001": "When organizations adopt LLMs",
        "002": "What Is RAG?",  # the empty first line and the leading emoji dropped
        "003": "The debate framing is wrong",  # first sentence, its full stop dropped
        "004": "RAG vs Fine-Tuning: When to Use Each and How to Decide",  # breadcrumb skipped
    }
    assert reads == seeds
    hits = wording.seed_title.cache_info().hits
    assert [wording.seed_title(p) for p in seeds] == list(titles.values())
    assert wording.seed_title.cache_info().hits == hits + len(seeds)
    assert reads == seeds  # the second round read no file
    assert wording.seed_title(Path("/nowhere/005_abc.txt")) == "005_abc.txt"


def test_symbols_numbers_and_plurals():
    assert wording.plain_symbols("Frequently changing data | ✅ | ❌") == (
        "Frequently changing data | yes | no"
    )
    assert wording.plain_symbols("✓ Built-in") == "Built-in"  # the word says it already
    assert wording.number(10000.0) == "10,000" and wording.number(0.5) == "0.5"
    assert wording.plural(1, "document") == "1 document"
    assert wording.plural(18, "document") == "18 documents"


def test_pairs_message_never_says_only_zero():
    assert wording.pairs_message(0).startswith("No facts with short answers yet")
    assert wording.pairs_message(1).startswith("Only 1 fact with short answers so far")
    assert "at least 10 are needed" in wording.pairs_message(3)


def test_overfitting_needs_validation_up_and_training_down():
    train = [(1, 2.0), (2, 1.5), (3, 1.0), (4, 0.6)]
    assert wording.overfitting(train, [(2, 1.2), (4, 1.4)])
    assert not wording.overfitting(train, [(2, 1.4), (4, 1.2)])  # both falling
    rising = [(1, 1.0), (2, 1.1), (3, 1.3), (4, 1.5)]
    assert not wording.overfitting(rising, [(2, 1.2), (4, 1.4)])  # training rises too
    assert not wording.overfitting(train, [(4, 1.4)])  # one point says nothing


def test_source_labels_and_unique_documents():
    assert wording.source_label(1, "sla.md", None, "") == "[1] sla.md"
    assert wording.source_label(2, "a.pdf", 3, "Scope") == "[2] a.pdf, page 3 · Scope"

    class S:
        def __init__(self, document):
            self.document = document

    assert wording.unique_documents([S("a"), S("b"), S("a")]) == ["a", "b"]
