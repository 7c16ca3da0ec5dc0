"""Each command is imported only when it is used: the map of command names to modules in
advisor/cli/base.py must name every command the modules define, and nothing else."""

import importlib
import subprocess
import sys

from advisor.cli import base


def test_the_command_map_names_exactly_the_commands_the_modules_define():
    for module in sorted(set(base.COMMANDS.values())):
        importlib.import_module(f"advisor.cli.{module}")
    defined = {name: cmd.callback.__module__ for name, cmd in base.main.commands.items()}
    assert defined == {name: f"advisor.cli.{m}" for name, m in base.COMMANDS.items()}


def test_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "advisor.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    listed = {
        line.split()[0] for line in out.stdout.split("Commands:")[1].splitlines() if line.strip()
    }
    assert listed == set(base.COMMANDS)


PROBE = """
import sys
from click.testing import CliRunner
from advisor.cli import main
result = CliRunner().invoke(main, ["advise", "-"], input="failure_mode: knowledge\\n")
assert result.exit_code == 0, result.output
print(",".join(sorted(m for m in sys.modules if m.startswith("advisor.cli."))))
"""


def test_advise_imports_its_own_command_module_alone():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["advisor.cli.base,advisor.cli.decision"]


def test_an_unknown_command_is_still_one_line():
    out = subprocess.run(
        [sys.executable, "-m", "advisor.cli", "advice"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "No such command 'advice'" in out.stderr


def test_the_rules_folder_is_the_one_settings_would_choose(monkeypatch, tmp_path):
    from advisor.paths import rules_dir
    from advisor.settings import Settings

    assert rules_dir() == Settings().rules_dir
    for name in ("ADVISOR_RULES_DIR", "advisor_rules_dir"):
        monkeypatch.delenv("ADVISOR_RULES_DIR", raising=False)
        monkeypatch.setenv(name, str(tmp_path / name))
        assert rules_dir() == Settings().rules_dir == tmp_path / name
        monkeypatch.delenv(name)
    assert rules_dir(tmp_path) == tmp_path
