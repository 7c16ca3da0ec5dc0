"""The `advisor` command: thin faces over the package, one module per command group."""

from advisor.cli import (  # noqa: F401  (they register commands)
    compare,
    costs,
    decision,
    finetune,
    rag,
    retrieval,
)
from advisor.cli.base import main

__all__ = ["main"]
