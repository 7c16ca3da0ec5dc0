"""Settings from the environment (prefix ADVISOR_); every default works offline."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from advisor.paths import builtin_rules_dir


class Settings(BaseSettings):
    """Where things live; override any field with ADVISOR_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", extra="ignore")

    rules_dir: Path = Field(default_factory=builtin_rules_dir)
    data_dir: Path = Path("data")
    # Built models (de-quantized weights, ONNX exports), shared by every data dir, workspace
    # and the app (ADVISOR_CACHE_DIR); None: the platform's user cache folder (advisor.cache).
    cache_dir: Path | None = None

    # Retrieval
    collection: str = "default"
    chroma_url: str | None = Field(None, description="e.g. http://127.0.0.1:8000; default embedded")
    chunk_tokens: int = Field(256, ge=64, le=1024)
    chunk_overlap: int = Field(32, ge=0, le=256)
    # Hybrid fusion: "score" (each retriever's scores over its best one, weighted) or "rrf"
    # (weighted reciprocal rank). Dense search gets `dense_weight`, BM25 the rest (seed 003:
    # 60-70% vector). Both chosen on the tune halves of the two evaluation sets, never on
    # their test halves (bench/retrieval.py).
    fusion: Literal["score", "rrf"] = "score"
    dense_weight: float = Field(0.7, ge=0, le=1)
    max_file_mb: float = Field(20, gt=0)
    reranker_path: Path | None = None

    # Generation
    # A backend registered in advisor.llm.registry (ADVISOR_GENERATOR). The registry checks
    # the name, listing the known ones, when a generator is made: settings sit below llm/
    # and do not import it (tests/test_layers.py).
    generator: str = Field("embedded", min_length=1)

    @field_validator("generator")
    @classmethod
    def _backend_name(cls, value: str) -> str:
        return value.strip().lower()  # "Ollama " in an env file means ollama

    ollama_host: str = "http://127.0.0.1:11434"
    ollama_model: str = "smollm2:135m"
    ollama_timeout: float = Field(60, gt=0)
    ollama_concurrency: int = Field(4, ge=1, le=64)  # requests in flight to the server
    # Any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, hosted). Its API key is
    # read from the environment when a request is made, never stored here.
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_model: str = "default"
    openai_timeout: float = Field(60, gt=0)
    openai_concurrency: int = Field(4, ge=1, le=64)  # requests in flight to the server
    # An optional judge of the comparison's answers (advisor.compare.judge): "ollama" or
    # "openai", with that backend's settings; judge_model: another model on that server.
    judge: str | None = None
    judge_model: str | None = None
    max_new_tokens: int = Field(96, ge=8, le=2048)
    # How the embedded model runs: "onnx" (onnxruntime-genai, int4; about 5x faster on
    # CPU, see bench/engines.py) or "transformers" (fp32, the engine training uses).
    engine: Literal["onnx", "transformers"] = "onnx"
    # Where models run (ADVISOR_DEVICE): "auto" takes CUDA when torch sees it, then Apple's
    # MPS, then the CPU (advisor.llm.device). The ONNX engine is CPU-only: on a GPU the
    # embedded model answers with transformers.
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    # The user's own base model (ADVISOR_BASE_MODEL): a local Hugging Face folder of a
    # causal LM, checked when it is used (advisor.llm.base_model); None: the built-in model.
    base_model: Path | None = None

    @field_validator("device", mode="before")
    @classmethod
    def _device_name(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def model_cache(self) -> Path:
        """The per-user model cache this process reads and fills."""
        from advisor.cache import default_cache_dir

        return self.cache_dir or default_cache_dir()

    @field_validator("base_model", "cache_dir", mode="before")
    @classmethod
    def _no_model_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
