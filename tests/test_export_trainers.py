"""The export runs in a real trainer: the exported TRL script trains 2 steps offline on
the toy run's exact base weights and saves an adapter peft loads; a re-export keeps what
the trainers wrote; no path of the exporting machine is written into the files; the
merged model carries what Ollama's converter reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pytest

from advisor.finetune.export import BASE_LINK, export_adapter


@pytest.fixture(scope="module")
def export(trained_adapter, model_dir, tmp_path_factory):
    _, result, _ = trained_adapter
    out = tmp_path_factory.mktemp("trainers") / "export"
    return result.out, export_adapter(result.out, out, cache_dir=model_dir).out


def test_the_configs_name_the_exact_base_weights_through_a_link(export, model_dir):
    from advisor.llm.base_model import plain_weights_dir

    _, out = export
    assert (out / BASE_LINK).resolve() == plain_weights_dir(model_dir).resolve()
    import yaml

    assert (
        yaml.safe_load((out / "llamafactory.yaml").read_text())["model_name_or_path"] == BASE_LINK
    )
    assert yaml.safe_load((out / "axolotl.yaml").read_text())["base_model"] == BASE_LINK
    readme = (out / "README.txt").read_text()
    assert "de-quantized once from the" in readme and f"./{BASE_LINK} links to them" in readme


def test_no_path_of_the_exporting_machine_is_in_the_files(export):
    adapter, out = export
    machine = [str(adapter.parent), str(out.parent), os.path.expanduser("~")]
    for path in out.rglob("*"):
        if BASE_LINK in path.relative_to(out).parts or not path.is_file():
            continue
        if path.suffix in (".safetensors", ".arrow"):
            continue
        text = path.read_text("utf-8", errors="replace")
        assert not any(m in text for m in machine), path
    config = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "HuggingFaceTB/SmolLM2-135M-Instruct"


def test_the_exported_trl_script_trains_offline_and_peft_loads_its_adapter(
    export, model_dir, tmp_path
):
    from peft import PeftModel

    from advisor.llm.base_model import load_base

    _, out = export
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, str(out / "train_trl.py"), "--max-steps", "2", "--output-dir",
         str(tmp_path / "trl"), "--device", "cpu"],
        capture_output=True, text=True, env=env, timeout=900, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "is missing: starting from" not in done.stderr  # the exact weights, not the hub's
    saved = tmp_path / "trl" / "adapter"
    assert (saved / "adapter_model.safetensors").is_file()
    _, base = load_base(model_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        lora = PeftModel.from_pretrained(base, str(saved))
    assert any("lora_A" in name for name, _ in lora.named_parameters())


def test_a_re_export_keeps_what_the_trainers_wrote(export, model_dir):
    adapter, out = export
    (out / "trl-out").mkdir(exist_ok=True)
    (out / "trl-out" / "adapter.txt").write_text("a trained adapter")
    (out / "llamafactory-out").mkdir(exist_ok=True)
    (out / "my-notes.md").write_text("ours")
    export_adapter(adapter, out, cache_dir=model_dir)
    assert (out / "trl-out" / "adapter.txt").read_text() == "a trained adapter"
    assert (out / "llamafactory-out").is_dir()
    assert (out / "my-notes.md").read_text() == "ours"
    manifest = json.loads((out / "export.json").read_text())
    assert set(manifest["kept_from_before"]) >= {"trl-out", "llamafactory-out", "my-notes.md"}
    assert (out / "train_trl.py").is_file() and (out / BASE_LINK).exists()
