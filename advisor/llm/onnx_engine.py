"""The fast CPU engine: a causal LM run by onnxruntime-genai with int8 weights.

Chosen by measurement (bench/engines.py): on 2 cores it decodes SmolLM2-135M about 4x
faster than transformers fp32 on the same weights, and installs from PyPI as a wheel (no
compiler). The ONNX model is built once from the plain Hugging Face folder (the same one
transformers loads and LoRA trains on) and cached next to it; a merged LoRA model is
built the same way, so the fine-tuned arms run on the same engine as the base arms.

The builder runs in a child process: it imports torch and holds a second copy of the
weights, and neither should stay in the app's memory after the build.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from advisor.cache import build_once
from advisor.errors import AdvisorError
from advisor.llm.base import STOP_STRINGS, Message, answer_started

log = logging.getLogger(__name__)

# int8 weights, chosen on the demo golden set's tune half (bench/engines.py): 9 of 23
# answers right against 10 for fp32 and transformers, at 4x transformers' decoding speed;
# int4 decodes 6x faster but got 7 of 23 right.
PRECISION = "int8"
BUILD_OPTIONS: tuple[str, ...] = ()
MARKER = "genai_config.json"  # written last by the builder


def available() -> bool:
    """Whether onnxruntime-genai imports here (it is a declared dependency; be robust)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime_genai") is not None


def onnx_dir_for(hf_dir: Path, precision: str = PRECISION) -> Path:
    """Where the engine's copy of `hf_dir` lives: beside it, named after the precision."""
    return hf_dir.parent / f"{hf_dir.name}.onnx-{precision}"


def build(
    hf_dir: Path,
    target: Path | None = None,
    precision: str = PRECISION,
    options: tuple[str, ...] = BUILD_OPTIONS,
) -> Path:
    """The ONNX model of the Hugging Face folder `hf_dir`, built on first use (~10 s).

    Written to a temporary folder and renamed, so a killed build leaves no half model.
    """
    target = target or onnx_dir_for(hf_dir, precision)
    if (target / MARKER).exists() and (target / "model.onnx").exists():
        return target
    if target.exists() and not (target / "model.onnx").exists():
        shutil.rmtree(target)  # a half model left by an older version: build it again
    start = time.perf_counter()
    log.info("building the %s ONNX model of %s (once; about 10 s)", precision, hf_dir)

    def write(tmp: Path) -> None:
        with tempfile.TemporaryDirectory() as cache:
            _run_builder(hf_dir, tmp, Path(cache), precision, options)

    # a temporary folder renamed into place: a killed build leaves no half model, and a
    # process that finished first keeps its copy (advisor.cache.build_once)
    build_once(target, write, complete=MARKER)
    log.info("built %s in %.1f s", target, time.perf_counter() - start)
    return target


def _run_builder(
    hf_dir: Path, out: Path, cache: Path, precision: str, options: tuple[str, ...]
) -> None:
    """onnxruntime-genai's model builder, in a child process, writing into `out`."""
    cmd = [
        sys.executable,
        "-m",
        "onnxruntime_genai.models.builder",
        "-i",
        str(hf_dir),
        "-o",
        str(out),
        "-p",
        precision,
        "-e",
        "cpu",
        "-c",
        str(cache),
        *(["--extra_options", *options] if options else []),
    ]
    env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=1800,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise AdvisorError(f"{hf_dir}: building the ONNX model took over 30 minutes") from None
    if done.returncode != 0 or not (out / MARKER).exists():
        tail = [ln for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
        reason = tail[-1] if tail else f"exit {done.returncode}"
        raise AdvisorError(f"{hf_dir}: could not build the ONNX model: {reason}")


class OnnxModel:
    """One loaded ONNX model: greedy decoding with the model's own chat template."""

    def __init__(self, onnx_dir: Path) -> None:
        import onnxruntime_genai as og

        start = time.perf_counter()
        self._og = og
        self.model = og.Model(str(onnx_dir))
        self.tokenizer = og.Tokenizer(self.model)
        self.stop = set(self.tokenizer.eos_token_ids)
        log.info("loaded %s in %.2f s", onnx_dir, time.perf_counter() - start)

    def prompt_ids(self, messages: list[Message]) -> Any:
        text = self.tokenizer.apply_chat_template(
            messages=json.dumps(messages), add_generation_prompt=True
        )
        return self.tokenizer.encode(text)

    def generate(self, messages: list[Message], max_new_tokens: int) -> tuple[str, int, float]:
        """(text, generated tokens up to and including the stop token, seconds)."""
        og = self._og
        ids = self.prompt_ids(messages)
        start = time.perf_counter()
        params = og.GeneratorParams(self.model)
        params.set_search_options(max_length=len(ids) + max_new_tokens, do_sample=False)
        gen = og.Generator(self.model, params)
        gen.append_tokens(ids)
        new: list[int] = []
        while not gen.is_done() and len(new) < max_new_tokens:
            gen.generate_next_token()
            token = int(gen.get_next_tokens()[0])
            new.append(token)
            if token in self.stop:
                break
            # the answer is over once the model starts a blank line or a question of its
            # own after saying something: decoding on is only time (a 96-token ramble took
            # most of an answer's 4 s); the answering path cuts the reply at the same place
            if any(s in self.tokenizer.decode(new[-8:]) for s in STOP_STRINGS):
                said = self.tokenizer.decode(new)
                cut = max(said.rfind(s) for s in STOP_STRINGS)  # the stop just decoded
                if answer_started(said[:cut]):
                    break
        seconds = time.perf_counter() - start
        text = self.tokenizer.decode([t for t in new if t not in self.stop])
        return text.strip(), len(new), seconds


def try_build(hf_dir: Path, target: Path) -> Path | None:
    """`build` for a model of the user's: None, with a warning, when the builder cannot
    convert its architecture. The failure is remembered beside `target` (per version of
    onnxruntime-genai), so later loads go straight to transformers."""
    reason = known_failure(target)
    if reason is not None:
        log.warning("%s: %s (before): answering with transformers", hf_dir, reason)
        return None
    try:
        return build(hf_dir, target)
    except AdvisorError as exc:
        reason = str(exc).removeprefix(f"{hf_dir}: ")
        log.warning("%s: %s: answering with transformers", hf_dir, reason)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _failed(target).write_text(f"{_version()}\n{reason}", "utf-8")
        except OSError:
            pass  # not remembered: the next load tries again
        return None


def known_failure(target: Path) -> str | None:
    """Why building `target` failed before with this version of the engine; else None."""
    try:
        seen, _, reason = _failed(target).read_text("utf-8").partition("\n")
    except OSError:
        return None
    return reason if seen == _version() else None


def _failed(target: Path) -> Path:
    return target.with_name(target.name + ".failed")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("onnxruntime-genai")
    except PackageNotFoundError:
        return "none"
