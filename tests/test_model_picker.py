"""The sidebar's base model folder: checked when entered, refused in one line when it is
not a causal LM, kept in the session's settings when it is (AppTest, headless)."""

from __future__ import annotations

import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from advisor.settings import get_settings

KEY = "model_picker_path"


@pytest.fixture(autouse=True)
def app_data(monkeypatch, tmp_path):
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ADVISOR_BASE_MODEL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def small_llama(tmp_path):
    """Enough of a causal LM folder for the check: config, weights, a tokenizer file."""
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = tmp_path / "my-llama"
    config = LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2)  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(folder)
    (folder / "tokenizer.json").write_text("{}")
    return folder


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_folder_is_checked_and_kept_in_the_session(small_llama):
    from advisor.rag.models import minilm_path

    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))
    assert "base model `built-in`" in " ".join(c.value for c in at.sidebar.caption)
    at.text_input(key=KEY).input(str(minilm_path()))
    _run(at)
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and "BertModel is not a causal language model" in errors[0]
    assert "\n" not in errors[0]
    assert "model_picker_chosen" not in at.session_state  # still the built-in model
    at.text_input(key=KEY).input(str(small_llama))
    _run(at)
    assert not at.sidebar.error
    assert at.session_state["model_picker_chosen"] == str(small_llama.resolve())
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "base model `my-llama`" in captions and f"device `{get_settings().device}`" in captions
    at.text_input(key=KEY).input("")  # back to the built-in model
    _run(at)
    assert at.session_state["model_picker_chosen"] == ""
    assert "base model `built-in`" in " ".join(c.value for c in at.sidebar.caption)
