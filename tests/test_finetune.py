"""The toy LoRA fine-tune: pairs, a real short training run, cancel, kill, bad input."""

import json
import queue
import signal
import subprocess
import sys
import threading

import pytest
from conftest import ROOT, run_cli

from advisor.errors import AdvisorError
from advisor.finetune.pairs import Pair, pairs_from_facts, pairs_from_golden, split_pairs
from advisor.finetune.train import TrainConfig, read_run, train_lora
from advisor.rag.chunking import chunk_document
from advisor.rag.documents import load_file

GOLDEN = ROOT / "demo_corpus" / "golden.yaml"
TINY = TrainConfig(epochs=4, batch_size=4, learning_rate=5e-3, max_seq_len=64, rank=8, alpha=16)


def test_golden_pairs_split_80_10_10_with_general_data(tmp_path):
    pairs = pairs_from_golden(GOLDEN)
    assert len(pairs) == 45 and pairs[0].completion.endswith(".")
    split = split_pairs(pairs, seed=1, general_share=0.15)
    own = [p for p in split.train if p.source != "general" and not p.phrasing and not p.context]
    assert (len(own), len(split.val), len(split.test)) == (37, 4, 4)  # 10% of 45, rounded
    assert 0.10 <= split.general / (len(own) + split.general) <= 0.20
    assert split.method == "golden"
    # each training fact is taught in 5 phrasings; no validation or test fact, nor any
    # held-out paraphrase, is among the training prompts
    assert split.rephrased == 4 * len(own)
    prompts = {p.prompt for p in split.train}
    held = {p.prompt for p in split.val + split.test} | {p.paraphrase for p in own if p.paraphrase}
    assert not prompts & held
    for fact in own[:5]:
        assert sum(p.completion == fact.completion and not p.context for p in split.train) >= 5
    split.save(tmp_path)
    rows = [json.loads(x) for x in (tmp_path / "train.jsonl").read_text().splitlines()]
    assert len(rows) == len(split.train) and {"prompt", "completion"} <= set(rows[0])
    checks = [json.loads(x) for x in (tmp_path / "checks.jsonl").read_text().splitlines()]
    relations = [c["relation"] for c in checks]
    assert relations.count("trained") == 37 and relations.count("unseen") == 8
    assert relations.count("paraphrase") == sum(1 for p in own if p.paraphrase) > 0
    assert split.data_hash() == split_pairs(pairs, seed=1, general_share=0.15).data_hash()
    assert split.data_hash() != split_pairs(pairs, seed=2, general_share=0.15).data_hash()


def test_batches_group_rows_of_similar_length_so_short_pairs_are_not_padded_long():
    import random

    from advisor.finetune.train import _batches

    lengths = [60] * 12 + [384] * 4  # pairs and retrieval-style examples, as the default mixes
    rows = [([7] * n, [1] * n) for n in lengths]
    batches = list(_batches(rows, 4, 0, random.Random(0)))
    widths = sorted(ids.shape[1] for ids, _, _ in batches)
    assert widths == [60, 60, 60, 384]  # one long batch, not a long row in every batch
    assert sum(int(m.sum()) for _, _, m in batches) == sum(lengths)  # every row once
    again = [ids.shape[1] for ids, _, _ in _batches(rows, 4, 0, random.Random(0))]
    assert again == [ids.shape[1] for ids, _, _ in batches]  # the seed fixes the order


def test_fact_pairs_from_any_document_answer_with_a_short_sentence_holding_the_key():
    chunks = chunk_document(load_file(ROOT / "demo_corpus" / "refund_policy.md"))
    pairs = pairs_from_facts(chunks)
    assert any("45 days" in p.completion for p in pairs)
    assert all(p.prompt.endswith("?") and len(p.completion.split()) <= 25 for p in pairs)
    assert all("45 days" not in p.prompt for p in pairs)  # the question never says its key


def test_too_few_pairs():
    with pytest.raises(AdvisorError, match="Only 3 facts with short answers"):
        split_pairs([Pair("q", "a")] * 3)


@pytest.fixture
def trained(trained_adapter):
    return trained_adapter


def test_a_real_short_run_learns_saves_and_reports(trained):
    split, result, reports = trained
    run = result.run
    assert result.status == "complete" and run["status"] == "complete"
    losses = [loss for _, loss in run["train_loss"]]
    assert sum(losses[-2:]) / 2 < sum(losses[:2]) / 2  # the loss goes down
    assert run["val_loss"][0][0] == 0 and len(run["val_loss"]) >= 2
    assert run["base_model"] == "SmolLM2-135M-Instruct" and run["params"]["rank"] == 8
    assert run["tokens_per_second"] > 0 and run["peak_memory_mb"] > 0
    assert run["trainable_parameters"] > 0 and run["data_hash"] == split.data_hash()
    assert (result.out / "adapter_config.json").exists()
    assert (result.out / "train.jsonl").exists() and (result.out / "val.jsonl").exists()
    steps = [r for r in reports if r.phase == "training"]
    assert [r.step for r in steps] == list(range(1, run["steps"] + 1))
    assert steps[-1].eta_seconds == 0 and any(r.eval_loss is not None for r in steps)
    assert reports[-1].phase == "checking"  # then it says it checks what it learned


def test_the_run_says_what_it_learned_against_the_base_model(trained):
    """The check asks the trained facts, their held-out paraphrases and unseen facts, with
    the adapter and without it: the adapter states trained facts the base cannot."""
    _, result, _ = trained
    learned = result.run["learned"]
    trained_facts = learned["trained"]
    assert trained_facts["n"] >= 5 and trained_facts["adapter"] > trained_facts["base"]
    assert 0 <= trained_facts["low"] <= trained_facts["share"] <= trained_facts["high"] <= 1
    assert trained_facts["minus_base"]["applicable"]
    assert {"unseen"} <= set(learned) and learned["unseen"]["n"] >= 1
    assert result.run["full_run_seconds_measured"] is True


def test_the_adapter_reloads_and_changes_the_output(trained, model_dir):
    from advisor.llm.embedded import EmbeddedGenerator
    from advisor.llm.lora import LoraGenerator
    from advisor.rag.prompt import build_plain_messages

    split, result, _ = trained
    lora = LoraGenerator(result.out, model_dir)
    base = EmbeddedGenerator(model_dir)
    prompts = [p.prompt for p in split.train[:3]]
    lora_out = [lora.generate(build_plain_messages(q), 16).text for q in prompts]
    base_out = [base.generate(build_plain_messages(q), 16).text for q in prompts]
    assert lora_out != base_out
    assert lora.name == "lora:adapter"


def test_cancel_keeps_the_last_good_adapter(model_dir, tmp_path):
    split = split_pairs(pairs_from_golden(GOLDEN)[:12], general_share=0)
    cancel = threading.Event()

    def stop_after_two(report):
        if report.step == 2:
            cancel.set()

    result = train_lora(split, tmp_path / "a", model_dir, TINY, stop_after_two, cancel)
    assert result.status == "cancelled" and result.run["steps"] == 2
    run = read_run(tmp_path / "a")
    assert run["status"] == "cancelled" and run["learned"] is None  # never checked
    # the time a whole run takes is estimated from the tokens seen, and says so
    assert run["full_run_seconds_measured"] is False
    assert run["full_run_seconds"] > run["train_seconds"]


KILL_PROBE = """
import sys
from pathlib import Path
from advisor.finetune.pairs import pairs_from_golden, split_pairs
from advisor.finetune.train import TrainConfig, train_lora
split = split_pairs(pairs_from_golden(Path(sys.argv[1]))[:12], general_share=0)
def report(r):
    print("step", r.step, flush=True)
train_lora(split, Path(sys.argv[2]), Path(sys.argv[3]),
           TrainConfig(epochs=50, batch_size=4, max_seq_len=64, rank=8), report)
"""


# How long the child may take to load the model and report its first training step; it
# is killed and the test fails if it says nothing by then (a hang must not hang CI).
FIRST_STEP_TIMEOUT = 300.0


def _read_line(proc: subprocess.Popen, timeout: float) -> str | None:
    """The child's next stdout line, or None when none came within `timeout` seconds."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return None


def test_a_killed_run_leaves_nothing_that_loads(model_dir, tmp_path):
    out = tmp_path / "killed"
    err = tmp_path / "child-stderr.txt"
    with err.open("w") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", KILL_PROBE, str(GOLDEN), str(out), str(model_dir)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        line = _read_line(proc, FIRST_STEP_TIMEOUT)
        if line is None:
            pytest.fail(
                f"the training child printed nothing within {FIRST_STEP_TIMEOUT:.0f} s; "
                f"killed it. stderr: {err.read_text()[-2000:]}"
            )
        assert line.startswith("step"), (line, err.read_text()[-2000:])  # training is under way
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)  # SIGKILL cannot be ignored: this returns at once
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    partial = [p for p in tmp_path.iterdir() if p.name.startswith(".killed.partial")]
    assert partial  # the half-written folder is only ever a hidden temporary
    with pytest.raises(AdvisorError, match="not a finished adapter"):
        read_run(partial[0])


def test_adapter_from_another_base_model_or_unfinished(tmp_path):
    (tmp_path / "adapter_config.json").write_text("{}")
    (tmp_path / "run.json").write_text(
        json.dumps({"base_model": "Llama-3-8B", "status": "complete"})
    )
    with pytest.raises(AdvisorError, match="trained on 'Llama-3-8B'"):
        read_run(tmp_path)
    with pytest.raises(AdvisorError, match="no such adapter folder"):
        read_run(tmp_path / "nope")


def test_unwritable_output_folder(model_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    split = split_pairs(pairs_from_golden(GOLDEN)[:12], general_share=0)
    with pytest.raises(AdvisorError, match="cannot write the adapter there"):
        train_lora(split, blocker / "adapter", model_dir, TINY)


def test_cli_bad_input_is_one_line(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli("finetune", "--docs", str(empty), "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and "no documents to learn from" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run_cli("finetune", "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and "either --docs PATH or --collection NAME" in r.stderr
    few = tmp_path / "few"
    few.mkdir()
    (few / "a.md").write_text("# A\n\nThe gate code is 4711.")
    r = run_cli("finetune", "--docs", str(few), "--data-dir", str(tmp_path / "d"))
    assert r.returncode == 2 and "facts with short answers were found" in r.stderr
    assert "question,answer" in r.stderr and "Traceback" not in r.stderr
    r = run_cli(
        "ask",
        "x",
        "--adapter",
        str(tmp_path / "none"),
        "--no-retrieval",
        "--data-dir",
        str(tmp_path / "d"),
    )
    assert r.returncode == 2 and "no such adapter folder" in r.stderr


def test_the_next_run_is_estimated_from_the_last_one_on_this_machine(trained, model_dir, tmp_path):
    """A finished run leaves its speed in the model cache; the same run again is
    estimated at the wall time it took, twice the epochs at about twice its training."""
    from advisor.finetune.estimate import SPEED_FILE, duration, estimate, remember

    split, result, _ = trained
    run = result.run
    assert (model_dir / SPEED_FILE).exists()  # training left its speed in the model cache
    config = TrainConfig(**run["params"])
    here = tmp_path / "cache"  # other runs in this session write the shared cache too
    # no run here yet: the built-in model gets the laptop measurement, and says so
    first = estimate(here, split, config)
    assert first.seconds is not None and "no run on this machine yet" in first.text
    assert "as measured on a 2-core laptop CPU" in first.text
    remember(here, run)
    same = estimate(here, split, config)
    assert same.seconds == pytest.approx(run["wall_seconds"], rel=0.01)
    assert "from the last run on this machine" in same.text
    double = estimate(here, split, config.model_copy(update={"epochs": 2 * config.epochs}))
    fixed = run["wall_seconds"] - run["train_seconds"]
    assert double.seconds - fixed == pytest.approx(2 * run["train_seconds"], rel=0.01)
    assert [duration(s) for s in (45, 210, 1500, 9000)] == ["45 s", "3.5 min", "25 min", "2.5 h"]
