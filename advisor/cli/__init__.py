"""The `advisor` command: thin faces over the package, one module per command group."""

from advisor.cli import compare, costs, decision, finetune, rag  # noqa: F401  (they register commands)
from advisor.cli.base import main

__all__ = ["main"]
