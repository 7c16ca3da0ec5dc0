"""Load the decision part of a rules folder (questions.yaml + decision.yaml) and check it.

pydantic checks each file's shape; this module checks what spans files: that rules
name real questions with valid values, that follow-ups look only at earlier questions,
that every quoted source passage really is in its seed, and that examples are valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.conditions import Condition, Match, iter_matches
from advisor.decision.questions import Question, Questionnaire, validate_answers
from advisor.decision.rules import DecisionBook, Source
from advisor.errors import InputError, Problem
from advisor.files import Refused, read_bounded
from advisor.yamlio import LineMap, load_model

QUESTIONS_FILE = "questions.yaml"
DECISION_FILE = "decision.yaml"
PRICES_FILE = "prices.yaml"
SEEDS_DIR = "seeds"

_OPS_BY_TYPE = {
    "yes_no": {"eq", "ne"},
    "single": {"eq", "ne", "in", "not_in"},
    "multi": {"contains", "contains_any"},
    "number": {"eq", "ne", "gte", "gt", "lte", "lt"},
}
_LIST_OPS = {"in", "not_in", "contains_any"}


@dataclass(frozen=True)
class RuleSet:
    """A checked rules folder, ready for the engine."""

    folder: Path
    questionnaire: Questionnaire
    book: DecisionBook
    questions_lines: LineMap
    decision_lines: LineMap

    @property
    def questions(self) -> dict[str, Question]:
        """Questions and derived facts, by id."""
        return self.questionnaire.all_by_id()


def load_rules(folder: Path | str) -> RuleSet:
    """Load and check a rules folder; raises InputError listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(Problem("rules folder not found", str(folder)))
    problems: list[Problem] = []
    loaded: dict[str, Any] = {}
    for name, model in ((QUESTIONS_FILE, Questionnaire), (DECISION_FILE, DecisionBook)):
        try:
            loaded[name] = load_model(folder / name, model)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    questionnaire, qlines = loaded[QUESTIONS_FILE]
    book, dlines = loaded[DECISION_FILE]
    problems += _check_questionnaire(questionnaire, qlines)
    problems += _check_book(book, dlines, questionnaire, folder / SEEDS_DIR)
    if problems:
        raise InputError(problems)
    return RuleSet(folder, questionnaire, book, qlines, dlines)


def _check_questionnaire(qn: Questionnaire, lines: LineMap) -> list[Problem]:
    problems: list[Problem] = []
    sections = {s.id for s in qn.sections}
    earlier: dict[str, Question] = {}
    for i, q in enumerate(qn.questions):
        at = lines.at("questions", i)
        if q.id in earlier:
            problems.append(at.problem(("id",), f"duplicate question id '{q.id}'"))
        error = q.check(q.default) if q.default is not None else None  # None: no assumption
        if error:
            problems.append(at.problem(("default",), error))
        if q.section not in sections:
            problems.append(at.problem(("section",), f"unknown section '{q.section}'"))
        if q.ask_when is not None:
            # Only earlier questions: answers resolve in one pass and cycles are impossible.
            problems += check_condition(q.ask_when, earlier, at.at("ask_when"), "an earlier")
        earlier[q.id] = q
    for i, fact in enumerate(qn.facts):
        at = lines.at("facts", i)
        if fact.id in earlier:
            problems.append(at.problem(("id",), f"duplicate id '{fact.id}'"))
        if fact.ask_when is not None:
            problems.append(at.problem(("ask_when",), "facts are derived, never asked"))
        earlier[fact.id] = fact
    asked = qn.by_id()
    for i, imp in enumerate(qn.implications):
        at = lines.at("implications", i)
        problems += check_condition(imp.when, asked, at.at("when"), "a")
        for qid, value in imp.then.items():
            q = asked.get(qid)
            error = f"'{qid}' is not a question" if q is None else q.check(value)
            if error:
                problems.append(at.problem(("then", qid), error))
    return problems


def _check_book(
    book: DecisionBook, lines: LineMap, qn: Questionnaire, seeds: Path
) -> list[Problem]:
    problems: list[Problem] = []
    questions = qn.all_by_id()
    rule_ids: set[str] = set()
    warning_ids: set[str] = set()
    seed_texts: dict[str, tuple[str | None, str | None]] = {}
    for i, rule in enumerate(book.rules):
        at = lines.at("rules", i)
        if rule.id in rule_ids:
            problems.append(at.problem(("id",), f"duplicate rule id '{rule.id}'"))
        rule_ids.add(rule.id)
        if rule.warning:
            warning_ids.add(rule.warning.id)
        problems += check_condition(rule.when, questions, at.at("when"), "a")
        problems += _check_source(rule.source, seeds, at.at("source"), seed_texts)
        for j, extra in enumerate(rule.see_also):
            problems += _check_source(extra, seeds, at.at("see_also", j), seed_texts)
    for i, c in enumerate(book.constraints):
        at = lines.at("constraints", i)
        if c.id in rule_ids:
            problems.append(at.problem(("id",), f"duplicate id '{c.id}'"))
        rule_ids.add(c.id)
        problems += check_condition(c.when, questions, at.at("when"), "a")
        problems += _check_source(c.source, seeds, at.at("source"), seed_texts)
    for option, steps in book.next_steps.items():
        for j, step in enumerate(steps):
            at = lines.at("next_steps", option, j)
            if step.source:
                problems += _check_source(step.source, seeds, at.at("source"), seed_texts)
            if step.when is not None:
                problems += check_condition(step.when, questions, at.at("when"), "a")
    for i, ex in enumerate(book.examples):
        at = lines.at("examples", i)
        _, bad = validate_answers(qn, ex.answers, at.at("answers"))
        problems += bad
        facts = {f.id: f for f in qn.facts}
        for key, value in ex.evidence.items():
            f = facts.get(key)
            error = f"'{key}' is not a fact" if f is None else f.check(value)
            if error:
                problems.append(at.problem(("evidence", key), error))
        for field, known, kind in (
            ("warnings", warning_ids, "warning"),
            ("fired", rule_ids, "rule"),
            ("not_fired", rule_ids, "rule"),
        ):
            for j, ref in enumerate(getattr(ex.expect, field) or ()):
                if ref not in known:
                    problems.append(at.problem(("expect", field, j), f"unknown {kind} id '{ref}'"))
    return problems


def check_condition(
    cond: Condition, questions: dict[str, Question], lines: LineMap, which: str
) -> list[Problem]:
    problems = []
    for path, m in iter_matches(cond):
        q = questions.get(m.question)
        if q is None:
            msg = f"'{m.question}' is not {which} question"
            problems.append(lines.problem((*path, "question"), msg))
            continue
        error = _check_match(m, q)
        if error:
            problems.append(lines.problem((*path, m.op), error))
    return problems


def _check_match(m: Match, q: Question) -> str | None:
    if m.op not in _OPS_BY_TYPE[q.type]:
        allowed = ", ".join(sorted(_OPS_BY_TYPE[q.type]))
        return f"operator '{m.op}' does not fit {q.type} question '{q.id}' (use {allowed})"
    values = m.value if m.op in _LIST_OPS else [m.value]
    for v in values:
        error = q.check([v] if q.type == "multi" else v)
        if error:
            return f"question '{q.id}': {error}"
    return None


def _check_source(
    source: Source, seeds: Path, lines: LineMap, cache: dict[str, tuple[str | None, str | None]]
) -> list[Problem]:
    if source.seed not in cache:
        cache[source.seed] = _read_seed(seeds, source.seed)
    text, why_not = cache[source.seed]
    if text is None:
        return [lines.problem(("seed",), why_not or f"no such file in {seeds}")]
    if _normalise(source.quote) not in text:
        return [lines.problem(("quote",), f"passage not found in {source.seed}")]
    return []


MAX_SEED_BYTES = 5 * 1024 * 1024


def _read_seed(seeds: Path, name: str) -> tuple[str | None, str | None]:
    """The seed's normalised text, or None and why (None: no such file).

    A seed is read only from inside `seeds/`: a link in it that points elsewhere is refused.
    """
    path = seeds / name
    if not path.exists():
        return None, None
    try:
        if path.resolve().parent != seeds.resolve():
            return None, f"{name} points outside {seeds}; a seed must be a file there"
        return _normalise(read_bounded(path, MAX_SEED_BYTES).decode("utf-8")), None
    except Refused as exc:
        return None, f"{name}: {exc.reason}"
    except UnicodeDecodeError as exc:
        return None, f"{name}: not UTF-8 text ({exc.reason})"
    except OSError as exc:
        return None, f"{name}: cannot read ({exc.strerror})"


def _normalise(text: str) -> str:
    # Quotes are checked word for word; line breaks and runs of spaces don't count.
    return re.sub(r"\s+", " ", text).strip().casefold()
