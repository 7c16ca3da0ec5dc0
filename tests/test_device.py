"""The device setting (ADVISOR_DEVICE, --device): auto and cpu resolve to the CPU on a
machine without a GPU, a GPU that is not there is one line, and the device a comparison
ran on is in its settings (the run card's is checked in test_base_model.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from advisor.cli import main
from advisor.compare.arms import parse_arms
from advisor.compare.runner import Plan, run_comparison
from advisor.errors import AdvisorError
from advisor.llm.base import Generation
from advisor.llm.device import describe, dtype_for, resolve_device
from advisor.questionsets.model import typed_questions
from advisor.rag.pipeline import RagPipeline
from advisor.settings import Settings

torch = pytest.importorskip("torch")
NO_GPU = not torch.cuda.is_available() and not torch.backends.mps.is_available()
no_gpu_only = pytest.mark.skipif(not NO_GPU, reason="this machine has a GPU")


class Echo:
    name = "echo"

    def generate(self, messages, max_new_tokens=96):
        return Generation("The gate code is 4711 [1].", self.name, 8, 0.01)


@no_gpu_only
@pytest.mark.parametrize("requested", ["auto", "cpu", " CPU "])
def test_auto_and_cpu_resolve_to_the_cpu_here(requested):
    assert resolve_device(requested) == "cpu"
    assert describe(requested) == {"device": "cpu", "dtype": "float32"}
    assert dtype_for("cpu") == "float32"


def test_the_setting_defaults_to_auto_and_reads_the_environment(monkeypatch):
    monkeypatch.delenv("ADVISOR_DEVICE", raising=False)
    assert Settings().device == "auto"
    monkeypatch.setenv("ADVISOR_DEVICE", "CPU")
    assert Settings().device == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_that_is_not_there_is_one_line():
    with pytest.raises(AdvisorError) as exc:
        resolve_device("cuda")
    message = str(exc.value)
    assert "\n" not in message and "'cuda'" in message and "--device cpu or auto" in message


def test_an_unknown_device_is_one_line():
    with pytest.raises(AdvisorError, match=r"unknown device 'tpu' .*auto, cpu, cuda, mps"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("how", ["option", "env"])
def test_the_cli_refuses_a_missing_gpu_in_one_line(how, tmp_path, monkeypatch):
    args = ["ask", "What is the gate code?", "--no-retrieval", "--data-dir", str(tmp_path)]
    if how == "option":
        args += ["--device", "cuda"]
    else:
        monkeypatch.setenv("ADVISOR_DEVICE", "cuda")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    err = result.stderr
    assert err.startswith("error: device 'cuda'") and err.count("\n") == 1, err


def test_a_bad_device_setting_is_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_DEVICE", "tpu")
    result = CliRunner().invoke(main, ["ask", "Q?", "--no-retrieval", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ADVISOR_DEVICE: Input should be")
    assert result.stderr.count("\n") == 1


def test_compare_and_finetune_take_the_option():
    for command in (["ask"], ["compare"], ["finetune"], ["ingest"]):
        result = CliRunner().invoke(main, [*command, "--help"])
        assert "--device [auto|cpu|cuda|mps]" in result.output, command
        if command != ["ingest"]:
            assert "--base-model PATH" in result.output, command


@no_gpu_only
@pytest.mark.parametrize("device", ["auto", "cpu"])
def test_a_comparison_records_its_device(device, tmp_path, embedder):
    settings = Settings(data_dir=tmp_path / "data", device=device)
    pipeline = RagPipeline(settings, "dev-ws", embedder=embedder, generator=Echo())
    pipeline.ingest_bytes([("gate.md", b"# Gate\n\nThe code for the loading-dock gate is 4711.\n")])
    questions = typed_questions(["What is the gate code?"])
    plan = Plan(pipeline, questions, parse_arms("base,rag", False), pipeline.generator)
    run = run_comparison(plan)
    assert run.settings["device"] == "cpu" and run.settings["dtype"] == "float32"
    assert run.settings["base_model"] == "SmolLM2-135M-Instruct"
    assert run.settings["base_model_path"] is None and run.settings["engine"] == "onnx"
    assert run.to_dict()["settings"]["device"] == "cpu"  # what compare.json holds
