"""The `advisor` command: thin faces over the package, one module per command group,
each imported when its command is used (advisor/cli/base.py: COMMANDS)."""

from advisor.cli.base import main

__all__ = ["main"]
