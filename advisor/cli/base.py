"""The `advisor` group, its shared options, and one-line errors for every user mistake."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from advisor.errors import AdvisorError

EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """Print `error: message` on one line and exit; what the user supplied in it (names,
    values) is shown, never obeyed: controls and escapes are written visibly."""
    from advisor.terminal import visible

    click.echo(f"error: {visible(message)}", err=True)
    sys.exit(code)


# The module that defines each command. A command's module is imported only when that
# command runs (or help lists them all), so `advisor advise` does not pay for importing the
# comparison, the fine-tune or the RAG faces (tests/test_cli_commands.py keeps this true).
COMMANDS = {
    "questions": "decision",
    "advise": "decision",
    "check-rules": "decision",
    "init-rules": "decision",
    "costs": "costs",
    "report": "costs",
    "ingest": "rag",
    "ask": "rag",
    "forget": "rag",
    "documents": "rag",
    "eval-retrieval": "retrieval",
    "retrieval-mode": "retrieval",
    "finetune": "finetune",
    "compare": "compare",
}


class AdvisorGroup(click.Group):
    """A click group whose errors, ours and click's usage errors alike, are one line, and
    whose commands are imported when they are used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            import importlib

            # importing the module runs its @main.command decorators, which register it
            importlib.import_module(f"advisor.cli.{COMMANDS[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        kwargs.setdefault("prog_name", "advisor")  # also under `python -m advisor.cli`
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "advisor"
            fail(f"{where}: {exc.format_message()} (see {where} --help)")
        except click.Abort:
            fail("aborted", 1)
        except click.ClickException as exc:  # e.g. a file click could not open
            fail(exc.format_message(), exc.exit_code)
        except AdvisorError as exc:
            fail(str(exc))
        except OSError as exc:  # a data folder that is read-only, full, or a file
            from advisor.files import fault

            where = exc.filename or "advisor"
            known = fault(exc, where)
            fail(str(known) if known else f"{where}: {exc.strerror or exc}")
        sys.exit(code if isinstance(code, int) else 0)


def _verbosity(ctx: click.Context, _param: click.Parameter, count: int) -> int:
    from advisor.log import configure

    configure({0: None, 1: "INFO"}.get(count, "DEBUG"))
    return count


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="advisor")
@click.option(
    "-v",
    "--verbose",
    count=True,
    expose_value=False,
    is_eager=True,
    callback=_verbosity,
    help="Log what is slow or wrong: -v for steps and timings, -vv for everything "
    "(default: ADVISOR_LOG_LEVEL, else warnings only).",
)
def main() -> None:
    """Should you use RAG, fine-tune, do both, or fix the prompt?"""


def rules_dir(rules: Path | None) -> Path:
    """The rules folder to use: --rules, else ADVISOR_RULES_DIR, else the built-in one."""
    from advisor.paths import rules_dir as chosen

    return chosen(rules)


def settings_for(
    data_dir: Path | None = None,
    collection: str | None = None,
    device: str | None = None,
    base_model: Path | None = None,
) -> Any:
    """Settings from the environment with the command line's folder, collection, device and
    base model; a bad ADVISOR_* value is one line naming it."""
    from pydantic import ValidationError

    from advisor.settings import Settings

    given = (
        ("data_dir", data_dir),
        ("collection", collection),
        ("device", device),
        ("base_model", base_model),
    )
    try:
        return Settings(**{k: v for k, v in given if v})
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else "settings"
        raise AdvisorError(f"ADVISOR_{name.upper()}: {err['msg']}") from None


def check_models(settings: Any) -> None:
    """Fail now, in one line, on a device that is not here or a base model folder that is
    not a causal LM: before documents are ingested or a model loads."""
    from advisor.llm.base_model import base_model_ref
    from advisor.llm.device import resolve_device

    resolve_device(settings.device)
    base_model_ref(settings.base_model)


def cost_overrides(set_inputs: tuple[str, ...], months: int | None) -> dict[str, Any]:
    """--input NAME=VALUE and --months as cost-input overrides."""
    from advisor.costs.inputs import parse_assignments

    overrides = parse_assignments(list(set_inputs))
    if months is not None:
        overrides["horizon_months"] = months
    return overrides


rules_option = click.option(
    "--rules",
    type=click.Path(path_type=Path),
    default=None,
    help="Rules folder (questions.yaml, decision.yaml). Default: ADVISOR_RULES_DIR or the "
    "built-in rules.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
evidence_option = click.option(
    "--evidence",
    "evidence_file",
    type=click.Path(path_type=Path),
    default=None,
    help="A saved comparison run (compare.json from `advisor compare`): its measured "
    "facts join the answers.",
)
collection_option = click.option(
    "--collection",
    default=None,
    help="Workspace collection (default: ADVISOR_COLLECTION or 'default').",
)
data_dir_option = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Data folder (default: ADVISOR_DATA_DIR or ./data).",
)
prices_option = click.option(
    "--prices",
    "price_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="YAML overrides merged onto the price sheet (bare numbers allowed). Repeatable.",
)
set_option = click.option(
    "--set",
    "set_prices",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override one price figure, e.g. gpu_per_hour.a100=2.5. Repeatable.",
)
input_option = click.option(
    "--input",
    "set_inputs",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override one cost input, e.g. tokens_per_document=3000. Repeatable.",
)
months_option = click.option(
    "--months",
    type=click.IntRange(1, 240),
    default=None,
    help="Cost horizon in months (default 24).",
)
device_option = click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda", "mps"], case_sensitive=False),
    default=None,
    help="Where the models run: auto (CUDA, then MPS, then the CPU), cpu, cuda or mps "
    "(default: ADVISOR_DEVICE or auto). The ONNX engine is CPU-only; on a GPU the "
    "embedded model answers with transformers.",
)
base_model_option = click.option(
    "--base-model",
    type=click.Path(path_type=Path),
    default=None,
    metavar="PATH",
    help="Your own base model: a local Hugging Face folder of a causal LM (default: "
    "ADVISOR_BASE_MODEL, else the built-in SmolLM2-135M-Instruct).",
)


def model_options(command: Any) -> Any:
    """--device and --base-model, for every command that loads a language model."""
    return device_option(base_model_option(command))
