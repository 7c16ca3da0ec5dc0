"""`advisor finetune export`: a run's pairs as chat data, trainer configs, a Modelfile.

The pure parts run on an adapter folder written by hand (run.json and pairs files, as
advisor.finetune.train writes them); the end-to-end export and the merged model use the
session's real tiny adapter (conftest.trained_adapter).
"""

from __future__ import annotations

import ast
import io
import json
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from advisor.cli import main
from advisor.errors import AdvisorError
from advisor.finetune import export as _export
from advisor.rag.prompt import PLAIN_SYSTEM, SYSTEM, build_messages
from advisor.settings import get_settings


def export_adapter(adapter: Path, out: Path, merged: bool = False, cache_dir=None):
    """As the faces call it: with the run's model cache (ADVISOR_CACHE_DIR) unless given."""
    cache = cache_dir or get_settings().model_cache
    return _export.export_adapter(adapter, out, merged, cache_dir=cache)


def export_zip(adapter: Path) -> bytes:
    return _export.export_zip(adapter, get_settings().model_cache)


PARAMS = {
    "rank": 4,
    "alpha": 8,
    "target_modules": ["q_proj", "v_proj"],
    "learning_rate": 2e-5,
    "epochs": 3,
    "max_steps": None,
    "batch_size": 2,
    "max_seq_len": 96,
    "seed": 7,
}
TRAIN = [
    {"prompt": "Who is the safety officer?", "completion": "Dana Kim."},
    {
        "prompt": "What is the uptime target?",
        "completion": "99.7 percent [2].",
        "context": ["Support answers within a day.", "The SLA promises 99.7 percent uptime."],
    },
    {"prompt": "Wie heißt der Hund?", "completion": 'Bello — "der Gute".'},
]
VAL = [{"prompt": "Where is the gate?", "completion": "North side."}]


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """An adapter run folder as train.py leaves it, minus real weights."""
    run = tmp_path / "demo_corpus-20260101-120000"
    run.mkdir()
    card = {"status": "complete", "base_model": "SmolLM2-135M-Instruct", "params": PARAMS}
    (run / "run.json").write_text(json.dumps(card))
    (run / "adapter_config.json").write_text(json.dumps({"r": 4, "peft_type": "LORA"}))
    (run / "adapter_model.safetensors").write_bytes(b"weights")
    _jsonl(run / "train.jsonl", TRAIN)
    _jsonl(run / "val.jsonl", VAL)
    _jsonl(run / "test.jsonl", VAL)
    return run


@pytest.fixture
def exported(run_dir: Path, tmp_path: Path) -> Path:
    # a model cache without the base weights: the configs fall back to the hub's id
    return export_adapter(run_dir, tmp_path / "export", cache_dir=tmp_path / "no-cache").out


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_chat_jsonl_holds_the_same_pairs_in_the_trained_prompts(exported):
    rows = _read_jsonl(exported / "data" / "train.jsonl")
    assert len(rows) == len(TRAIN)
    for row, pair in zip(rows, TRAIN, strict=True):
        assert list(row) == ["messages"]
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        assert all(set(m) == {"role", "content"} for m in row["messages"])
        assert row["messages"][-1]["content"] == pair["completion"]
    assert rows[0]["messages"][0]["content"] == PLAIN_SYSTEM
    assert rows[0]["messages"][1]["content"] == TRAIN[0]["prompt"]
    # A retrieval-style pair is exported in the RAG prompt it was trained with.
    rag = build_messages(TRAIN[1]["prompt"], TRAIN[1]["context"])
    assert rows[1]["messages"][:2] == rag and rag[0]["content"] == SYSTEM
    val = _read_jsonl(exported / "data" / "validation.jsonl")
    assert [r["messages"][1]["content"] for r in val] == [VAL[0]["prompt"]]


def test_datasets_round_trips_the_exact_rows(exported, tmp_path):
    datasets = pytest.importorskip("datasets")
    saved = datasets.load_from_disk(str(exported / "hf_dataset"))
    assert set(saved) == {"train", "validation"}
    for split in ("train", "validation"):
        assert saved[split].to_list() == _read_jsonl(exported / "data" / f"{split}.jsonl")
    files = {s: str(exported / "data" / f"{s}.jsonl") for s in ("train", "validation")}
    loaded = datasets.load_dataset("json", data_files=files, cache_dir=str(tmp_path / "cache"))
    assert loaded["train"].to_list() == saved["train"].to_list()
    assert loaded["validation"].num_rows == 1


def _lora_of_run(max_length: int) -> dict:
    return {
        "rank": PARAMS["rank"],
        "alpha": PARAMS["alpha"],
        "dropout": 0.0,
        "modules": PARAMS["target_modules"],
        "lr": PARAMS["learning_rate"],
        "epochs": PARAMS["epochs"],
        "batch": PARAMS["batch_size"],
        "max_length": max_length,
        "seed": PARAMS["seed"],
    }


# With a retrieval-style pair the trainers get the longer limit it was trained under.
WANT = _lora_of_run(max_length=384)


def test_llamafactory_config_names_the_data_and_the_run_settings(exported):
    cfg = yaml.safe_load((exported / "llamafactory.yaml").read_text())
    info = json.loads((exported / "dataset_info.json").read_text())
    assert cfg["dataset_dir"] == "."
    for key in ("dataset", "eval_dataset"):
        entry = info[cfg[key]]
        assert (exported / entry["file_name"]).is_file()
        assert entry["columns"] == {"messages": "messages"} and entry["formatting"] == "sharegpt"
    assert info[cfg["dataset"]]["file_name"] == "data/train.jsonl"
    got = {
        "rank": cfg["lora_rank"],
        "alpha": cfg["lora_alpha"],
        "dropout": cfg["lora_dropout"],
        "modules": cfg["lora_target"].split(","),
        "lr": cfg["learning_rate"],
        "epochs": cfg["num_train_epochs"],
        "batch": cfg["per_device_train_batch_size"],
        "max_length": cfg["cutoff_len"],
        "seed": cfg["seed"],
    }
    assert got == WANT
    assert cfg["model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert cfg["finetuning_type"] == "lora" and cfg["template"] == "smollm2"


def test_axolotl_config_names_the_data_and_the_run_settings(exported):
    cfg = yaml.safe_load((exported / "axolotl.yaml").read_text())
    assert cfg["datasets"][0]["path"] == "data/train.jsonl"
    assert cfg["test_datasets"][0]["path"] == "data/validation.jsonl"
    assert all((exported / d["path"]).is_file() for d in cfg["datasets"] + cfg["test_datasets"])
    assert cfg["datasets"][0]["type"] == "chat_template"
    got = {
        "rank": cfg["lora_r"],
        "alpha": cfg["lora_alpha"],
        "dropout": cfg["lora_dropout"],
        "modules": cfg["lora_target_modules"],
        "lr": cfg["learning_rate"],
        "epochs": cfg["num_epochs"],
        "batch": cfg["micro_batch_size"],
        "max_length": cfg["sequence_len"],
        "seed": cfg["seed"],
    }
    assert got == WANT and cfg["adapter"] == "lora"


def _call_kwargs(tree: ast.AST, name: str) -> dict:
    call = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
    )
    return {k.arg: ast.literal_eval(k.value) for k in call.keywords if _literal(k.value)}


def _option_defaults(tree: ast.AST) -> dict:
    """`--flag` -> its literal default (None when it has none or it is not a literal)."""
    out = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "add_argument":
            default = next((k.value for k in n.keywords if k.arg == "default"), None)
            literal = default is not None and _literal(default)
            out[n.args[0].value] = ast.literal_eval(default) if literal else None
    return out


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def test_trl_script_compiles_and_names_the_data(exported):
    source = (exported / "train_trl.py").read_text()
    tree = compile(source, "train_trl.py", "exec", flags=ast.PyCF_ONLY_AST)
    compile(tree, "train_trl.py", "exec")
    assert "'data/train.jsonl'" in source and "'data/validation.jsonl'" in source
    lora, args = _call_kwargs(tree, "LoraConfig"), _call_kwargs(tree, "SFTConfig")
    flags = _option_defaults(tree)  # the run's epochs and steps are the options' defaults
    assert flags["--max-steps"] == -1 and set(flags) >= {"--base-model", "--output-dir", "--device"}
    got = {
        "rank": lora["r"],
        "alpha": lora["lora_alpha"],
        "dropout": lora["lora_dropout"],
        "modules": lora["target_modules"],
        "lr": args["learning_rate"],
        "epochs": flags["--epochs"],
        "batch": args["per_device_train_batch_size"],
        "max_length": args["max_length"],
        "seed": args["seed"],
    }
    assert got == WANT and args["completion_only_loss"] is True


def test_modelfile_puts_the_adapter_on_its_base(exported):
    text = (exported / "Modelfile").read_text()
    lines = text.splitlines()
    # Ollama's ADAPTER reads model*.safetensors beside adapter_config.json (#13314)
    assert "FROM smollm2:135m" in lines and "ADAPTER ./ollama-adapter" in lines
    assert (exported / "ollama-adapter" / "model.safetensors").read_bytes() == b"weights"
    assert (exported / "ollama-adapter" / "adapter_config.json").is_file()
    assert (exported / "adapter" / "adapter_config.json").is_file()
    assert (exported / "adapter" / "adapter_model.safetensors").read_bytes() == b"weights"
    # the base's chat template in Ollama's language, and its stop token
    assert 'TEMPLATE """{{- if .System }}<|im_start|>system' in text
    assert 'PARAMETER stop "<|im_end|>"' in lines
    readme = (exported / "README.txt").read_text()
    for command in ("python train_trl.py", "llamafactory-cli train", "axolotl train"):
        assert command in readme
    assert "ollama create advisor-demo-corpus-20260101-120000 -f Modelfile" in readme


def test_only_bare_pairs_keep_the_run_limit_and_no_validation_means_no_eval(run_dir, tmp_path):
    _jsonl(run_dir / "train.jsonl", [TRAIN[0], TRAIN[2]])
    (run_dir / "val.jsonl").unlink()
    out = export_adapter(run_dir, tmp_path / "bare").out
    cfg = yaml.safe_load((out / "llamafactory.yaml").read_text())
    assert cfg["cutoff_len"] == PARAMS["max_seq_len"] and "eval_dataset" not in cfg
    assert "test_datasets" not in yaml.safe_load((out / "axolotl.yaml").read_text())
    assert "eval_dataset" not in (out / "train_trl.py").read_text()
    assert list(json.loads((out / "dataset_info.json").read_text())) == ["advisor_train"]


def test_bad_pairs_and_bad_folders_are_named(run_dir, tmp_path):
    (run_dir / "train.jsonl").write_text('{"prompt": "q?", "completion": "a."}\n{"prompt": 3}\n')
    with pytest.raises(AdvisorError, match=r"train\.jsonl:2: prompt: missing or not text"):
        export_adapter(run_dir, tmp_path / "x")
    _jsonl(run_dir / "train.jsonl", TRAIN)
    card = json.loads((run_dir / "run.json").read_text())
    card["params"] = {**PARAMS, "rank": 0, "dropout": 0.1}  # dropout: a knob of a newer run
    (run_dir / "run.json").write_text(json.dumps(card))
    with pytest.raises(AdvisorError, match=r"run\.json: params\.rank: Input should be greater"):
        export_adapter(run_dir, tmp_path / "x")
    card["params"]["rank"] = 4
    (run_dir / "run.json").write_text(json.dumps(card))
    lora = json.loads((export_adapter(run_dir, tmp_path / "x").out / "export.json").read_text())
    assert lora["lora"]["dropout"] == 0.1
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    _jsonl(run_dir / "train.jsonl", TRAIN)
    with pytest.raises(AdvisorError, match="not empty and not an earlier export"):
        export_adapter(run_dir, full)
    assert (full / "notes.txt").read_text() == "mine"
    first = export_adapter(run_dir, tmp_path / "again").out
    assert export_adapter(run_dir, first).out == first  # an earlier export is replaced
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def _cli(*args: str):
    return CliRunner().invoke(main, ["finetune", *args], catch_exceptions=False)


def test_cli_refuses_a_folder_that_is_not_an_adapter_run_in_one_line(tmp_path):
    r = _cli("export", str(tmp_path), "--out", str(tmp_path / "out"))
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [
        f"error: {tmp_path}: not an adapter run (no run.json, adapter_config.json, train.jsonl)"
    ]
    r = _cli("export", str(tmp_path / "nope"), "--out", str(tmp_path / "out"))
    assert r.exit_code == 2 and "no such adapter folder" in r.stderr
    assert not (tmp_path / "out").exists()


def test_cli_without_datasets_says_so_once_and_writes_the_rest(run_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)  # `import datasets` fails
    r = _cli("export", str(run_dir), "--out", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    notes = r.stderr.strip().splitlines()
    assert sum("datasets is not installed" in n for n in notes) == 1
    # the only other note there can be: this cache lacks the base weights
    assert all("datasets is not installed" in n or "exact base weights" in n for n in notes)
    out = tmp_path / "out"
    assert not (out / "hf_dataset").exists()
    for name in ("data/train.jsonl", "train_trl.py", "axolotl.yaml", "Modelfile", "README.txt"):
        assert (out / name).is_file(), name
    assert "datasets is not installed" in (out / "README.txt").read_text()


def test_finetune_is_still_the_training_command_with_export_beside_it():
    r = _cli("--help")
    assert r.exit_code == 0 and "--docs" in r.stdout and "--general-share" in r.stdout
    assert "export" in r.stdout
    r = _cli("--epochs", "2")
    assert r.exit_code == 2 and "either --docs PATH or --collection NAME" in r.stderr


def test_cli_exports_a_real_run_end_to_end(trained_adapter, tmp_path):
    split, result, _ = trained_adapter
    out = tmp_path / "export"
    r = _cli("export", str(result.out), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert r.stdout.strip().splitlines()[-1] == f"exported to {out} (see README.txt there)"
    assert "Modelfile" in r.stdout.splitlines()
    rows = _read_jsonl(out / "data" / "train.jsonl")
    assert [m["messages"][-1]["content"] for m in rows] == [p.completion for p in split.train]
    assert len(_read_jsonl(out / "data" / "validation.jsonl")) == len(split.val)
    params = result.run["params"]
    cfg = yaml.safe_load((out / "axolotl.yaml").read_text())
    assert (cfg["lora_r"], cfg["lora_alpha"], cfg["learning_rate"], cfg["num_epochs"]) == (
        params["rank"],
        params["alpha"],
        params["learning_rate"],
        params["epochs"],
    )
    assert cfg["lora_target_modules"] == params["target_modules"]
    adapter_cfg = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert adapter_cfg["r"] == params["rank"]
    assert (out / "adapter" / "adapter_model.safetensors").stat().st_size > 0


def test_merged_model_is_the_adapter_folded_into_the_base(trained_adapter, model_dir, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from advisor.llm.base_model import load_base

    _, result, _ = trained_adapter
    out = export_adapter(result.out, tmp_path / "export", merged=True, cache_dir=model_dir).out
    assert any((out / "merged").glob("*.safetensors"))
    modelfile = (out / "Modelfile.merged").read_text()
    assert "FROM ./merged" in modelfile.splitlines() and 'TEMPLATE """' in modelfile
    # what Ollama's converter reads, where it reads it
    config = json.loads((out / "merged" / "config.json").read_text())
    assert config["rope_theta"] == 100000
    tok_config = json.loads((out / "merged" / "tokenizer_config.json").read_text())
    assert "<|im_start|>" in tok_config["chat_template"]
    readme = (out / "README.txt").read_text()
    assert modelfile.count("advisor-adapter-merged") and "advisor-adapter-merged" in readme
    merged = AutoModelForCausalLM.from_pretrained(out / "merged", dtype=torch.float32)
    tok, base = load_base(model_dir)
    with warnings.catch_warnings():  # peft calls a transformers API that warns of v6
        warnings.simplefilter("ignore", FutureWarning)
        lora = PeftModel.from_pretrained(base, str(result.out))
    ids = tok("Who is the safety officer?", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        want, got = lora(input_ids=ids).logits, merged(input_ids=ids).logits
        with lora.disable_adapter():
            plain = lora(input_ids=ids).logits
    assert torch.allclose(want, got, atol=1e-3)
    assert not torch.allclose(plain, got, atol=1e-3)  # the adapter is in the weights


def test_zip_for_the_app_holds_the_export(run_dir):
    with zipfile.ZipFile(io.BytesIO(export_zip(run_dir))) as zf:
        names = set(zf.namelist())
    top = f"{run_dir.name}-export"
    for name in ("README.txt", "Modelfile", "data/train.jsonl", "dataset_info.json"):
        assert f"{top}/{name}" in names


def test_finetune_page_offers_the_export_of_a_finished_run(run_dir, tmp_path, monkeypatch):
    import shutil

    from apptest import go, open_app

    from advisor.settings import get_settings

    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    ws = "0123456789abcdef0123456789abcdef"
    adapters = tmp_path / "data" / "adapters" / f"ws-{ws}"
    adapters.parent.mkdir(parents=True)
    shutil.copytree(run_dir, adapters / run_dir.name)
    try:
        at = go(open_app(session={"ws_id": ws}), "finetune")
        assert "Export training data and configs" in [s.value for s in at.subheader]
        buttons = at.get("download_button")
        assert [b.proto.label for b in buttons] == ["Download the export (.zip)"]
    finally:
        get_settings.cache_clear()


def test_the_exports_adapt_the_blocks_the_run_adapted(run_dir, tmp_path):
    # a card from before `layers` adapted every block, and its exports say so
    old = export_adapter(run_dir, tmp_path / "old").out
    assert (
        _call_kwargs(ast.parse((old / "train_trl.py").read_text()), "LoraConfig")[
            "layers_to_transform"
        ]
        is None
    )
    assert "peft_layers_to_transform" not in yaml.safe_load((old / "axolotl.yaml").read_text())
    card = json.loads((run_dir / "run.json").read_text())
    card["params"]["layers"] = [15, 16, 17]
    (run_dir / "run.json").write_text(json.dumps(card))
    new = export_adapter(run_dir, tmp_path / "new").out
    trl = _call_kwargs(ast.parse((new / "train_trl.py").read_text()), "LoraConfig")
    assert trl["layers_to_transform"] == [15, 16, 17]
    assert yaml.safe_load((new / "axolotl.yaml").read_text())["peft_layers_to_transform"] == [
        15,
        16,
        17,
    ]
    assert "no option for the blocks\n# 15,16,17" in (new / "llamafactory.yaml").read_text()
    assert "in blocks 15, 16, 17" in (new / "README.txt").read_text()
