"""The generator registry: backends by name, their options, and the fallback to the
embedded model when a server backend is down. Fakes only: no model is loaded."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import FakeGenerator
from pydantic import Field

from advisor.errors import AdvisorError
from advisor.llm import registry
from advisor.llm.adapters import read_run
from advisor.llm.base import BackendUnavailable, Generation, generate_many
from advisor.settings import Settings

MESSAGES = [{"role": "user", "content": "How long is the refund window?"}]


class FakeBackend:
    """A local backend that answers with its `reply` option."""

    description = "answers with a fixed reply"
    needs_server = False
    can_batch = False

    class Options(registry.Options):
        reply: str = "fake answer"
        tokens: int = Field(3, ge=1)

    def __init__(self, reply: str) -> None:
        self.name, self.reply = "fake", reply

    @classmethod
    def from_options(cls, options, settings):
        return cls(options.reply)

    def generate(self, messages, max_new_tokens=160):
        return Generation(self.reply, self.name, 3, 0.01)


class FlakyServer:
    """A server backend that is always down."""

    description = "a server that never answers"
    Options = registry.Options
    needs_server = True
    can_batch = False
    name = "flaky:model"
    calls = 0

    @classmethod
    def from_options(cls, options, settings):
        return cls()

    def generate(self, messages, max_new_tokens=160):
        FlakyServer.calls += 1
        raise BackendUnavailable("connection refused")


@pytest.fixture
def fakes():
    registry.register("fake")(FakeBackend)
    registry.register("flaky")(FlakyServer)
    FlakyServer.calls = 0
    yield
    registry.unregister("fake")
    registry.unregister("flaky")


@pytest.fixture
def embedded(monkeypatch):
    """Stands in for the shared embedded model and counts how often it is loaded."""
    loads: list[str] = []
    model = FakeGenerator("from the embedded model")

    def load(cache_dir: str, engine: str = "onnx", **_model):
        loads.append(cache_dir)
        return model

    from advisor.llm import embedded

    monkeypatch.setattr(embedded, "shared", load)
    return loads


def test_the_built_in_backends_are_listed():
    found = registry.backends()
    assert {"embedded", "ollama"} <= set(found)
    assert set(found["ollama"].options.model_fields) == {"host", "model", "timeout", "concurrency"}
    assert found["ollama"].needs_server and not found["ollama"].can_batch
    assert not found["embedded"].needs_server and found["embedded"].can_batch
    assert not found["embedded"].options.model_fields
    assert all(info.description for info in found.values())


def test_an_unknown_backend_is_one_line_naming_the_known_ones(fakes):
    with pytest.raises(AdvisorError) as exc:
        registry.make_generator(Settings(generator="vllm"))
    message = str(exc.value)
    assert "\n" not in message and "'vllm'" in message
    assert message.endswith("known: embedded, fake, flaky, ollama, openai")


def test_settings_keep_the_env_var_and_normalise_the_name(monkeypatch):
    monkeypatch.setenv("ADVISOR_GENERATOR", " Ollama ")
    assert Settings().generator == "ollama"


def test_a_registered_fake_is_created_by_name(fakes, tmp_path):
    settings = Settings(data_dir=tmp_path, generator="fake")
    gen = registry.make_generator(settings)
    assert isinstance(gen, FakeBackend) and gen.generate(MESSAGES).text == "fake answer"
    assert registry.create("fake", settings, reply="hi").generate(MESSAGES).text == "hi"


def test_options_come_from_settings_named_after_the_backend():
    settings = Settings(ollama_host="http://10.0.0.9:1", ollama_model="qwen:0.5b", ollama_timeout=7)
    gen = registry.create("ollama", settings)
    assert (gen.host, gen.model, gen.timeout) == ("http://10.0.0.9:1", "qwen:0.5b", 7)
    assert gen.name == "ollama:qwen:0.5b"


def test_options_are_validated_and_extra_ones_refused(fakes):
    with pytest.raises(AdvisorError, match=r"'fake': temperature: Extra inputs are not permitted"):
        registry.create("fake", Settings(), temperature=0.7)
    with pytest.raises(AdvisorError, match=r"tokens: Input should be greater than or equal to 1"):
        registry.create("fake", Settings(), tokens=0)
    with pytest.raises(AdvisorError, match=r"its options: host, model, timeout"):
        registry.create("ollama", Settings(), port=11434)


def test_a_backend_must_declare_what_it_can_do():
    class Bare:
        description = "no Options, no capabilities"

    with pytest.raises(TypeError, match="lacks Options, needs_server, can_batch, from_options"):
        registry.register("bare")(Bare)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("ollama")(FakeBackend)
    assert "bare" not in registry.backends()


def test_the_embedded_model_loads_only_when_asked(embedded, tmp_path):
    gen = registry.make_generator(Settings(data_dir=tmp_path, cache_dir=tmp_path / "cache"))
    assert gen.name == "embedded:SmolLM2-135M-Instruct" and embedded == []
    assert gen.generate(MESSAGES).text == "from the embedded model"
    assert embedded == [str(tmp_path / "cache")]  # the model cache, not the data folder


def test_a_server_backend_that_is_down_falls_back_to_the_embedded_model(
    fakes, embedded, tmp_path, caplog
):
    settings = Settings(data_dir=tmp_path, cache_dir=tmp_path / "cache", generator="flaky")
    gen = registry.make_generator(settings)
    assert gen.name == "flaky:model" and embedded == []  # nothing loaded before it is needed
    with caplog.at_level("WARNING", logger="advisor.llm.base"):
        out = gen.generate(MESSAGES)
    assert out.text == "from the embedded model" and out.backend == "fake"
    assert out.fallback_reason == "flaky:model unavailable: connection refused"
    assert embedded == [str(tmp_path / "cache")]
    assert "connection refused" in caplog.text
    # a batch falls back as a whole: the server is asked once, not once per prompt
    FlakyServer.calls = 0
    outs = generate_many(gen, [MESSAGES] * 3, 16)
    assert [o.fallback_reason for o in outs] == [out.fallback_reason] * 3
    assert FlakyServer.calls == 1


def test_a_server_backend_that_answers_never_loads_the_embedded_model(embedded, tmp_path):
    class Up(FlakyServer):
        def generate(self, messages, max_new_tokens=160):
            return Generation("from the server", self.name, 3, 0.01)

    registry.register("up")(Up)
    try:
        out = registry.make_generator(Settings(data_dir=tmp_path, generator="up")).generate(
            MESSAGES
        )
    finally:
        registry.unregister("up")
    assert out.text == "from the server" and out.fallback_reason is None and embedded == []


def test_generate_many_batches_when_it_can_and_loops_otherwise():
    class Batcher(FakeGenerator):
        def generate_batch(self, messages_list, max_new_tokens=160):
            self.batches = len(messages_list)
            return [Generation(f"b{i}", "b", 1, 0.1) for i in range(len(messages_list))]

    looped, batched = FakeGenerator("x"), Batcher()
    assert [g.text for g in generate_many(looped, [MESSAGES] * 3, 8)] == ["x"] * 3
    assert len(looped.calls) == 3
    assert [g.text for g in generate_many(batched, [MESSAGES] * 3, 8)] == ["b0", "b1", "b2"]
    assert batched.batches == 3 and batched.calls == []


def test_the_registry_loads_no_model_library():
    probe = (
        "import sys\n"
        "from advisor.llm.registry import backends, make_generator\n"
        "from advisor.settings import Settings\n"
        "backends(); make_generator(Settings()); make_generator(Settings(generator='ollama'))\n"
        "print(','.join(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def _adapter(folder, base_model: str):
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}")
    (folder / "run.json").write_text(json.dumps({"base_model": base_model, "status": "complete"}))
    return folder


def test_an_adapter_for_another_base_model_is_refused_naming_that_base(tmp_path):
    folder = _adapter(tmp_path / "a", "Llama-3-8B")
    with pytest.raises(AdvisorError) as exc:
        read_run(folder, "SmolLM2-135M-Instruct")
    assert "trained on 'Llama-3-8B' and needs that base model" in str(exc.value)
    assert "this one is 'SmolLM2-135M-Instruct'" in str(exc.value)
    assert read_run(folder, "Llama-3-8B")["status"] == "complete"
    assert read_run(_adapter(tmp_path / "b", "SmolLM2-135M-Instruct"))["status"] == "complete"
    (folder / "run.json").write_text("[1, 2")
    with pytest.raises(AdvisorError, match="unreadable"):
        read_run(folder, "Llama-3-8B")


def test_training_reads_run_cards_through_the_generation_layer(tmp_path):
    from advisor.finetune import train
    from advisor.llm import adapters
    from advisor.llm.base_model import MODEL_ID

    # one reader for both layers, so training and generation cannot disagree on a card
    assert train.read_run is adapters.read_run
    assert train.RUN_FILE == adapters.RUN_FILE == "run.json"
    card = {"base_model": MODEL_ID, "status": "complete", "steps": 12}
    done = tmp_path / "done"
    done.mkdir()
    (done / adapters.ADAPTER_CONFIG).write_text("{}")
    (done / train.RUN_FILE).write_text(json.dumps(card))
    assert train.read_run(done) == card  # no base model given: the built-in one
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    (unfinished / adapters.ADAPTER_CONFIG).write_text("{}")  # training never wrote the card
    with pytest.raises(AdvisorError) as exc:
        train.read_run(unfinished)
    assert str(exc.value) == (
        f"{unfinished}: not a finished adapter (no run.json or adapter_config.json)"
    )
