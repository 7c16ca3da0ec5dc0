"""The user's own base model (ADVISOR_BASE_MODEL, --base-model): a tiny random-weight
Llama built here stands in for it. Checked before use, trained with LoRA on the layers its
architecture has, answered with (ONNX, or transformers when the engine cannot build it),
compared, and kept apart from the built-in model's adapters."""

from __future__ import annotations

import csv
import json
import logging
import shutil

import pytest
from click.testing import CliRunner
from conftest import ROOT

from advisor.cli import main
from advisor.errors import AdvisorError
from advisor.llm.base_model import check_base_model, model_id_of
from advisor.settings import Settings

GOLDEN = ROOT / "demo_corpus" / "golden.yaml"
DOCS = {
    "gate.md": "# Gate\n\nThe code for the loading-dock gate is 4711.\n",
    "canteen.md": "# Canteen\n\nThe canteen opens at 07:30 and closes at 15:00 on weekdays.\n",
}


@pytest.fixture(scope="session")
def tiny_llama(model_dir, tmp_path_factory):
    """A 2-layer Llama (hidden 64, 4 heads) with random weights and SmolLM2's tokenizer."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from advisor.llm.base_model import cached_model_dir

    tok = AutoTokenizer.from_pretrained(cached_model_dir(model_dir))
    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=2048,
        tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
    )  # fmt: skip
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("user-models") / "tiny-llama"
    LlamaForCausalLM(config).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_adapter(tiny_llama, model_dir, tmp_path_factory):
    """A short LoRA run on the tiny model, its target modules found automatically."""
    from advisor.finetune.pairs import pairs_from_golden, split_pairs
    from advisor.finetune.train import TrainConfig, train_lora

    split = split_pairs(pairs_from_golden(GOLDEN)[:10], seed=0, general_share=0)
    config = TrainConfig(epochs=1, max_steps=2, batch_size=4, max_seq_len=64, rank=4, alpha=8)
    out = tmp_path_factory.mktemp("tiny-runs") / "adapter"
    return train_lora(split, out, model_dir, config, base_model=tiny_llama, device="auto")


def test_the_folder_is_checked_and_named_by_its_contents(tiny_llama, tmp_path, monkeypatch):
    ref = check_base_model(tiny_llama)
    assert ref.path == tiny_llama.resolve() and not ref.builtin
    assert ref.model_id.startswith("tiny-llama@") and model_id_of(tiny_llama) == ref.model_id
    moved = shutil.copytree(tiny_llama, tmp_path / "tiny-llama")
    assert check_base_model(moved).model_id == ref.model_id  # an adapter follows a move
    assert model_id_of(None) == "SmolLM2-135M-Instruct"
    monkeypatch.setenv("ADVISOR_BASE_MODEL", str(tiny_llama))
    assert Settings().base_model == tiny_llama
    monkeypatch.setenv("ADVISOR_BASE_MODEL", "")
    assert Settings().base_model is None


def test_a_folder_that_is_not_a_causal_lm_is_refused_in_one_line(tiny_llama, tmp_path):
    from advisor.rag.models import minilm_path

    cases = {
        minilm_path(): "BertModel is not a causal language model",
        tmp_path: "not a Hugging Face model folder (no config.json)",
        tmp_path / "nope": "no such model folder",
    }
    weightless = tmp_path / "weightless"
    weightless.mkdir()
    shutil.copy(tiny_llama / "config.json", weightless)
    cases[weightless] = "no weights"
    for folder, reason in cases.items():
        with pytest.raises(AdvisorError) as exc:
            check_base_model(folder)
        message = str(exc.value)
        assert reason in message and str(folder.resolve()) in message and "\n" not in message


def test_the_cli_refuses_it_before_loading_anything(tmp_path):
    from advisor.rag.models import minilm_path

    for args in (["ask", "Q?", "--no-retrieval"], ["finetune", "--docs", str(tmp_path)]):
        result = CliRunner().invoke(
            main, [*args, "--base-model", str(minilm_path()), "--data-dir", str(tmp_path)]
        )
        assert result.exit_code == 2, result.output
        assert "is not a causal language model" in result.stderr
        assert result.stderr.count("\n") == 1


def test_lora_target_modules_come_from_the_architecture():
    from transformers import (
        GPT2Config,
        GPT2LMHeadModel,
        GPTNeoXConfig,
        GPTNeoXForCausalLM,
        LlamaConfig,
        LlamaForCausalLM,
    )

    from advisor.finetune.targets import find_target_modules

    small = {"vocab_size": 64}
    llama = LlamaForCausalLM(LlamaConfig(**small, hidden_size=16, intermediate_size=32,
                             num_hidden_layers=1, num_attention_heads=2))  # fmt: skip
    gpt2 = GPT2LMHeadModel(GPT2Config(**small, n_embd=16, n_layer=1, n_head=2))
    neox = GPTNeoXForCausalLM(GPTNeoXConfig(**small, hidden_size=16, intermediate_size=32,
                              num_hidden_layers=1, num_attention_heads=2))  # fmt: skip
    assert find_target_modules(llama) == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert find_target_modules(gpt2) == ["c_attn"]
    assert find_target_modules(neox) == ["query_key_value"]


def test_lora_adapts_the_upper_half_of_the_blocks_by_default():
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    from advisor.errors import AdvisorError
    from advisor.finetune.targets import find_layers

    llama = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32,
                             num_hidden_layers=5, num_attention_heads=2))  # fmt: skip
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=64, n_embd=16, n_layer=4, n_head=2))
    assert find_layers(llama, "upper_half") == [2, 3, 4]
    assert find_layers(gpt2, "upper_half") == [2, 3]
    assert find_layers(llama, "all") is None and find_layers(llama, [4, 1, 4]) == [1, 4]
    with pytest.raises(AdvisorError, match="blocks 0 to 4, not"):
        find_layers(llama, [7])


def test_lora_trains_on_the_users_model(tiny_adapter, tiny_llama):
    run = tiny_adapter.run
    assert tiny_adapter.status == "complete" and run["steps"] == 2
    assert run["base_model"] == check_base_model(tiny_llama).model_id
    assert run["base_model_path"] == str(tiny_llama.resolve())
    assert run["params"]["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj"]
    from advisor.llm.device import train_dtype

    # auto, without a GPU: the CPU, in bfloat16 where it computes that natively
    assert run["device"] == "cpu" and run["dtype"] == train_dtype("cpu")
    adapter_config = json.loads((tiny_adapter.out / "adapter_config.json").read_text())
    assert set(adapter_config["target_modules"]) == {"q_proj", "k_proj", "v_proj", "o_proj"}
    # the upper half of its 2 blocks, recorded where the exports and peft read it
    assert run["params"]["layers"] == [1] and adapter_config["layers_to_transform"] == [1]


def test_an_adapter_is_refused_on_another_base_model(tiny_adapter, tiny_llama, model_dir, tmp_path):
    from advisor.llm.lora import LoraGenerator

    tiny_id = check_base_model(tiny_llama).model_id
    with pytest.raises(AdvisorError) as exc:
        LoraGenerator(tiny_adapter.out, model_dir)  # the built-in base
    message = str(exc.value)
    assert f"trained on '{tiny_id}'" in message and "'SmolLM2-135M-Instruct'" in message
    assert "\n" not in message
    builtin = shutil.copytree(tiny_adapter.out, tmp_path / "builtin-adapter")
    card = json.loads((builtin / "run.json").read_text())
    card.update(base_model="SmolLM2-135M-Instruct", base_model_path=None)
    (builtin / "run.json").write_text(json.dumps(card))
    with pytest.raises(AdvisorError, match=r"trained on 'SmolLM2-135M-Instruct' .*this one is"):
        LoraGenerator(builtin, model_dir, base_model=tiny_llama)


def test_it_answers_with_the_onnx_engine(tiny_llama, model_dir):
    from advisor.llm.embedded import EmbeddedGenerator
    from advisor.llm.onnx_engine import available

    gen = EmbeddedGenerator(model_dir, base_model=tiny_llama)
    assert gen.engine == ("onnx" if available() else "transformers")
    out = gen.generate([{"role": "user", "content": "What is the gate code?"}], 8)
    assert out.backend == f"embedded:{check_base_model(tiny_llama).model_id}" and out.tokens > 0
    assert not (tiny_llama.parent / f"{tiny_llama.name}.onnx-int8").exists()  # never beside it


def test_a_model_the_engine_cannot_build_answers_with_transformers(
    tiny_llama, tmp_path, monkeypatch, caplog
):
    from advisor.llm import onnx_engine
    from advisor.llm.embedded import EmbeddedGenerator

    calls = []

    def cannot(hf_dir, target=None, *args):
        calls.append(hf_dir)
        raise AdvisorError(f"{hf_dir}: could not build the ONNX model: unsupported architecture")

    monkeypatch.setattr(onnx_engine, "build", cannot)
    monkeypatch.setattr(onnx_engine, "available", lambda: True)
    with caplog.at_level(logging.WARNING, logger="advisor"):
        gen = EmbeddedGenerator(tmp_path, base_model=tiny_llama)
        again = EmbeddedGenerator(tmp_path, base_model=tiny_llama)
    assert gen.engine == again.engine == "transformers" and len(calls) == 1  # remembered
    assert "unsupported architecture: answering with transformers" in caplog.text
    out = gen.generate([{"role": "user", "content": "Hi"}], 8)
    assert out.tokens > 0 and out.backend.startswith("embedded:tiny-llama@")


def test_a_comparison_runs_on_the_users_model(tiny_llama, tiny_adapter, model_dir, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    questions = tmp_path / "questions.csv"
    with questions.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "question", "answer", "documents"])
        w.writerow(["g1", "What is the gate code?", "4711", "gate.md"])
        w.writerow(["c1", "When does the canteen open?", "07:30", "canteen.md"])
    result = CliRunner().invoke(
        main,
        ["compare", "--questions", str(questions), "--docs", str(docs), "--base-model",
         str(tiny_llama), "--adapter", str(tiny_adapter.out), "--k", "2", "--json",
         "--data-dir", str(model_dir), "--collection", "cmp-own-base", "--device", "auto"],
        env={"ADVISOR_MAX_NEW_TOKENS": "12"},
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr[-2000:]
    run = json.loads(result.stdout)
    tiny_id = check_base_model(tiny_llama).model_id
    assert run["status"] == "complete" and run["arms"] == ["base", "rag", "lora", "lora_rag"]
    assert len(run["cells"]) == 8
    assert run["settings"]["base_model"] == tiny_id and run["settings"]["device"] == "cpu"
    assert run["settings"]["base_model_path"] == str(tiny_llama.resolve())
    assert run["models"]["base"] == run["models"]["rag"] == f"embedded:{tiny_id}"
    assert run["models"]["lora"] == f"lora:adapter on {tiny_id}"
    assert run["adapter"]["base_model"] == tiny_id
    assert {c["backend"] for c in run["cells"] if c["arm"] == "base"} == {f"embedded:{tiny_id}"}
