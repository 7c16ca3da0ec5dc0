"""`python -m advisor.cli`: the same command as `advisor`."""

from advisor.cli import main

main()
