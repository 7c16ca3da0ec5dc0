"""Read an answers file (question id -> value) and validate it against the questionnaire."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor.decision.questions import Questionnaire, validate_answers
from advisor.errors import InputError
from advisor.yamlio import load_yaml, parse_yaml


def load_answers(questionnaire: Questionnaire, path: Path | str) -> dict[str, Any]:
    """The valid answers in a YAML file ('-' reads standard input); InputError otherwise."""
    if str(path) == "-":
        import sys

        raw, lines = parse_yaml(sys.stdin.read(), "<stdin>")
    else:
        raw, lines = load_yaml(path)
    answers, problems = validate_answers(questionnaire, raw, lines)
    if problems:
        raise InputError(problems)
    return answers
