"""Generator backends registered by name, in the manner of simonw/llm.

A backend is a small class decorated with `@register("name")`. What it can do is
declared as class attributes; its options are a pydantic model with extra="forbid":

    description: ClassVar[str]          one line for `backends()` listings
    Options: ClassVar[type[Options]]    the options it takes (none: `Options` itself)
    needs_server: ClassVar[bool]        can be down; `make_generator` adds a fallback
    can_batch: ClassVar[bool]           has `generate_batch` (see base.generate_many)
    from_options(options, settings)     classmethod returning a ready Generator

An option `x` of backend `name` takes its value from the setting `name_x` when Settings
has one (`ollama` reads ollama_host, ollama_model and ollama_timeout), so ADVISOR_NAME_X
configures it. Importing this module loads no model and no torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from advisor.errors import AdvisorError
from advisor.llm.base import FallbackGenerator, Generation, Generator, Message, generate_many

if TYPE_CHECKING:
    from advisor.settings import Settings

EMBEDDED = "embedded"  # the backend every server backend falls back to
_BUILTIN_MODULES = (
    "advisor.llm.embedded",
    "advisor.llm.ollama_backend",
    "advisor.llm.openai_backend",
)
_BACKENDS: dict[str, type[Any]] = {}
_REQUIRED = ("description", "Options", "needs_server", "can_batch", "from_options")

T = TypeVar("T", bound=type[Any])


class Options(BaseModel):
    """Base of every backend's options; an unknown option is an error, never ignored."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class BackendInfo:
    """What `backends()` says about one registered backend."""

    name: str
    description: str
    options: type[Options]
    needs_server: bool
    can_batch: bool
    cls: type[Any]


def register(name: str) -> Callable[[T], T]:
    """Class decorator: make the backend available as ADVISOR_GENERATOR=`name`."""

    def add(cls: T) -> T:
        missing = [a for a in _REQUIRED if not hasattr(cls, a)]
        if missing:
            raise TypeError(f"backend {name!r} ({cls.__qualname__}) lacks {', '.join(missing)}")
        if not (isinstance(cls.Options, type) and issubclass(cls.Options, Options)):
            raise TypeError(f"backend {name!r}: Options must subclass registry.Options")
        known = _BACKENDS.get(name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise ValueError(f"backend {name!r} is already registered by {known.__qualname__}")
        cls.backend = name
        _BACKENDS[name] = cls
        return cls

    return add


def unregister(name: str) -> None:
    """Forget a backend (tests that register fakes clean up with this)."""
    _BACKENDS.pop(name, None)


def _load_builtins() -> None:
    # The built-in backends register themselves on import; their modules are light.
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def backends() -> dict[str, BackendInfo]:
    """Every registered backend by name."""
    _load_builtins()
    return {
        name: BackendInfo(name, cls.description, cls.Options, cls.needs_server, cls.can_batch, cls)
        for name, cls in sorted(_BACKENDS.items())
    }


def _backend(name: str) -> type[Any]:
    _load_builtins()
    if name not in _BACKENDS:
        raise AdvisorError(
            f"unknown generator {name!r} (ADVISOR_GENERATOR); known: {', '.join(sorted(_BACKENDS))}"
        )
    return _BACKENDS[name]


def options_for(name: str, settings: Settings, **overrides: Any) -> Options:
    """The backend's options from settings (`name_option`), then `overrides`, validated."""
    cls = _backend(name)
    prefix = name.replace("-", "_") + "_"
    fields = list(cls.Options.model_fields)
    values = {f: getattr(settings, prefix + f) for f in fields if hasattr(settings, prefix + f)}
    values.update(overrides)
    try:
        return cls.Options(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "options"
        takes = ", ".join(fields) or "none"
        raise AdvisorError(
            f"generator {name!r}: {where}: {err['msg']} (its options: {takes})"
        ) from None


def create(name: str, settings: Settings, **options: Any) -> Generator:
    """The backend `name`, configured from settings; `options` override single options."""
    cls = _backend(name)
    return cls.from_options(options_for(name, settings, **options), settings)


class _LazyEmbedded:
    """The shared embedded model, loaded only when first asked (e.g. when Ollama is down)."""

    def __init__(self, settings: Settings) -> None:
        from advisor.llm.base_model import model_id_of  # reads no weights into memory

        self.settings = settings
        self.name = f"{EMBEDDED}:{model_id_of(settings.base_model)}"

    def _model(self) -> Generator:
        return create(EMBEDDED, self.settings)  # the backend keeps one per process

    def generate(self, messages: list[Message], max_new_tokens: int = 160) -> Generation:
        return self._model().generate(messages, max_new_tokens)

    def generate_batch(
        self, messages_list: list[list[Message]], max_new_tokens: int = 160
    ) -> list[Generation]:
        return generate_many(self._model(), messages_list, max_new_tokens)


def make_generator(settings: Settings) -> Generator:
    """The configured backend; a server backend falls back to the embedded model when down."""
    cls = _backend(settings.generator)
    if settings.generator == EMBEDDED:
        return _LazyEmbedded(settings)
    primary = create(settings.generator, settings)
    if cls.needs_server:
        return FallbackGenerator(primary, _LazyEmbedded(settings))
    return primary
