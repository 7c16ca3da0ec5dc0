"""Every `advisor ...` command line quoted in README.md and docs/ names a real command and
real options: a renamed command or flag fails here, not in a reader's terminal."""

from __future__ import annotations

import re
import shlex

import click
import pytest
from conftest import ROOT

from advisor.cli import main

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
INLINE = re.compile(r"`(advisor [^`]+)`")


def quoted_commands() -> list[tuple[str, str]]:
    """(where, command line) for each command in a code block or inline code."""
    found = []
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        in_code, pending, start = False, "", 0
        for n, line in enumerate(lines, 1):
            if line.strip().startswith("```"):
                in_code = not in_code
                continue
            if in_code:
                text = pending + line.split(" #", 1)[0].strip()
                if text.endswith("\\"):  # a continued line
                    pending, start = text[:-1] + " ", start or n
                    continue
                pending = ""
                cmd = re.sub(r"^.*?\badvisor ", "advisor ", text) if "advisor " in text else ""
                if cmd.startswith("advisor ") and not text.startswith(("error:", "cat ")):
                    found.append((f"{page.name}:{start or n}", cmd))
                start = 0
            else:
                found += [(f"{page.name}:{n}", m) for m in INLINE.findall(line)]
    return found


CTX = click.Context(main)  # commands are imported when asked for by name


def check(command: str) -> str | None:
    """What is wrong with a command line (None: its command and options exist)."""
    try:
        words = shlex.split(command)[1:]
    except ValueError as exc:
        return f"cannot parse: {exc}"
    cmd: click.Command = main
    group_options = {o: p for p in main.params for o in (*p.opts, *p.secondary_opts)}
    skip = False
    for word in words:
        if skip:  # the value of the option before
            skip = False
            continue
        if word.startswith("-") and word != "-":
            flag = word.split("=", 1)[0]
            known = {o: p for p in cmd.params for o in (*p.opts, *p.secondary_opts)}
            param = known.get(flag) or group_options.get(flag)
            if param is None and flag not in ("-h", "--help"):
                return f"`{cmd.name}` has no option {flag}"
            skip = "=" not in word and isinstance(param, click.Option) and not param.is_flag
        elif isinstance(cmd, click.Group) and cmd.get_command(CTX, word) is not None:
            cmd = cmd.get_command(CTX, word)
        elif (
            isinstance(cmd, click.Group)
            and re.fullmatch(r"[a-z][a-z-]+", word)
            and not (
                cmd.invoke_without_command
                and any(isinstance(p, click.Argument) for p in cmd.params)
            )
        ):
            return f"`{cmd.name}` has no command {word!r}"
    return None


COMMANDS = quoted_commands()


def test_the_pages_quote_commands():
    assert len(COMMANDS) >= 30
    assert {w.split(":")[0] for w, _ in COMMANDS} >= {"README.md", "rag.md", "costs.md"}


@pytest.mark.parametrize(("where", "command"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_a_quoted_command_exists_with_its_options(where, command):
    assert check(command) is None, f"{where}: {command}: {check(command)}"


def test_the_checker_catches_a_renamed_flag_and_command():
    assert check("advisor ask 'q' --no-generate --k 3") is None
    assert check("advisor finetune export RUN --out x") is None
    assert "no option --no-generation" in check("advisor ask 'q' --no-generation")
    assert "no command 'advize'" in check("advisor advize answers.yaml")
