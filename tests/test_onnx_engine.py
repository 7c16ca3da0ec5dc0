"""The fast engine (onnxruntime-genai, int8) on the real built-in model."""

from __future__ import annotations

import sys

import pytest

from advisor.llm.base_model import cached_model_dir
from advisor.llm.embedded import EmbeddedGenerator, shared
from advisor.llm.onnx_engine import MARKER, PRECISION, build, onnx_dir_for
from advisor.rag.prompt import build_messages

CONTEXT = ["Refunds: customers may return hardware within 45 days of delivery for a full refund."]


@pytest.fixture(scope="module")
def onnx_gen(model_dir):
    return shared(str(model_dir), "onnx")


def test_the_default_engine_is_onnx_and_its_build_is_cached(onnx_gen, model_dir):
    assert onnx_gen.engine == "onnx" and onnx_gen.onnx is not None and onnx_gen.model is None
    hf = cached_model_dir(model_dir)
    target = onnx_dir_for(hf)
    assert target.name.endswith(f".onnx-{PRECISION}") and (target / MARKER).exists()
    stamp = (target / "model.onnx").stat().st_mtime_ns
    assert build(hf) == target  # the second call builds nothing
    assert (target / "model.onnx").stat().st_mtime_ns == stamp
    assert not list(target.parent.glob(f".{target.name}-*"))  # no temporary folder left


def test_its_prompt_is_the_chat_template_transformers_uses(onnx_gen, model_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(cached_model_dir(model_dir))
    messages = build_messages('What is "E-217"? ünï', CONTEXT)
    ours = list(onnx_gen.onnx.prompt_ids(messages))
    theirs = tok.apply_chat_template(messages, add_generation_prompt=True, return_dict=True)
    assert ours == theirs["input_ids"]


def test_it_answers_from_the_context_and_stops_at_the_end_token(onnx_gen):
    g = onnx_gen.generate(build_messages("How long is the refund window?", CONTEXT), 48)
    assert "45" in g.text and g.tokens < 48 and g.seconds > 0
    assert g.backend == "embedded:SmolLM2-135M-Instruct"
    short = onnx_gen.generate(build_messages("Describe the refund policy in detail.", CONTEXT), 4)
    assert short.tokens == 4  # the budget is a hard stop
    batch = onnx_gen.generate_batch([build_messages("Refund window?", CONTEXT)] * 2, 16)
    assert batch[0].text == batch[1].text  # greedy: the same prompt gives the same answer


def test_answering_loads_neither_torch_nor_transformers(onnx_gen, model_dir):
    # onnx_gen: the cached weights and the ONNX model exist, as on every start but the first
    import subprocess

    code = (
        "import sys; from pathlib import Path; from advisor.llm.embedded import EmbeddedGenerator;"
        f"g = EmbeddedGenerator(Path({str(model_dir)!r}));"
        "g.generate([{'role': 'user', 'content': 'Hi'}], 4);"
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_transformers_stays_available_as_an_engine(model_dir):
    gen = EmbeddedGenerator(model_dir, engine="transformers")
    assert gen.engine == "transformers" and gen.onnx is None
    g = gen.generate(build_messages("How long is the refund window?", CONTEXT), 32)
    assert "45" in g.text


def test_an_unknown_engine_is_one_line():
    from advisor.errors import AdvisorError
    from advisor.llm.embedded import engine_for

    with pytest.raises(AdvisorError, match=r"unknown engine .gpu.*onnx or transformers"):
        engine_for("gpu")
