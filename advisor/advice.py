"""Advice from a whole rules folder: the verdict with its facts bound to explicit prices.

The decision engine reads a flat dict of facts and knows nothing of costs or
measurements; the cost model knows nothing of rules. This module sits above both and
binds them: the cost facts a verdict tests are computed with exactly the price sheet and
cost inputs the caller shows (the folder's sheet, `--prices`, `--set`, the Costs page),
and measured facts from a comparison run join them. Every face (CLI, app, report) gets
its recommendation here, so a report cannot show one set of prices and reason with
another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from advisor.conditions import holds, iter_matches
from advisor.costs.facts import CostFacts
from advisor.costs.inputs import CostInputs, inputs_from_answers
from advisor.costs.mapping import COST_INPUTS_FILE, Case, CostMapping, load_mapping
from advisor.costs.prices import PriceSheet, apply_settings, load_prices, with_values
from advisor.decision.engine import FiredRule, Recommendation, advise
from advisor.decision.loader import PRICES_FILE, RuleSet, check_condition, load_rules
from advisor.decision.questions import Derive, Questionnaire, resolve
from advisor.errors import InputError, Problem
from advisor.yamlio import LineMap


@dataclass(frozen=True)
class Folder:
    """Everything a rules folder holds, checked together."""

    rules: RuleSet
    prices: PriceSheet | None
    mapping: CostMapping | None


def load_folder(folder: Path | str) -> Folder:
    """Rules, price sheet and cost mapping of a folder; InputError lists every problem."""
    rules = load_rules(Path(folder))
    return Folder(rules, *_extras(rules))


def _extras(rules: RuleSet) -> tuple[PriceSheet | None, CostMapping | None]:
    """The price sheet and cost mapping beside loaded rules, checked against them."""
    folder = Path(rules.folder)
    problems: list[Problem] = []
    prices = mapping = None
    if (folder / PRICES_FILE).exists():  # optional: without it, cost facts stay unknown
        try:
            prices = load_prices(folder / PRICES_FILE)
        except InputError as exc:
            problems += exc.problems
    try:
        loaded = load_mapping(folder)
    except InputError as exc:
        problems += exc.problems
        loaded = None
    if loaded is not None:
        mapping, lines = loaded
        problems += check_mapping(mapping, lines, rules.questionnaire)
    if problems:
        raise InputError(problems)
    return prices, mapping


def check_mapping(mapping: CostMapping, lines: LineMap, qn: Questionnaire) -> list[Problem]:
    """Every question the mapping names exists, and every result fits its cost input."""
    questions = qn.by_id()
    problems: list[Problem] = []
    for name, cases in mapping.inputs.items():
        at = lines.at("inputs", name)
        if name not in CostInputs.model_fields:
            known = ", ".join(CostInputs.model_fields)
            problems.append(at.problem((), f"unknown cost input '{name}'; known: {known}"))
            continue
        for i, case in enumerate(cases):
            where = at.at(i)
            if case.when is not None:
                problems += check_condition(case.when, questions, where.at("when"), "a")
            results: list[Any] = [case.value]
            if case.from_ is not None:
                q = questions.get(case.from_)
                if q is None:
                    msg = f"'{case.from_}' is not a question"
                    problems.append(where.problem(("from",), msg))
                    continue
                results = _answers_that_reach(
                    case, q.id, q.values if q.type != "number" else [q.min, q.max]
                )
            for value in results:
                error = _input_error(name, value)
                if error:
                    field = "from" if case.from_ is not None else "value"
                    problems.append(where.problem((field,), f"{value!r}: {error}"))
                    break
    return problems


def _answers_that_reach(case: Case, question: str, candidates: list[Any]) -> list[Any]:
    """The answers a `from` case can copy: those its own condition lets through."""
    if case.when is None:
        return candidates
    if any(m.question != question for _, m in iter_matches(case.when)):
        return candidates  # depends on other answers too: every value may arrive
    return [v for v in candidates if holds(case.when, {question: v})]


def _input_error(name: str, value: Any) -> str | None:
    try:
        CostInputs.model_validate({name: value})
    except ValidationError as exc:
        return exc.errors(include_url=False)[0]["msg"]
    return None


_PARTS: dict[str, tuple[PriceSheet | None, CostMapping | None]] = {}


def _folder_parts(rules: RuleSet) -> tuple[PriceSheet | None, CostMapping | None]:
    """The folder's prices and mapping, read once per process beside rules already loaded
    (the rules themselves are not parsed again)."""
    key = str(rules.folder)
    if key not in _PARTS:
        _PARTS[key] = _extras(rules)
    return _PARTS[key]


def folder_prices(rules: RuleSet) -> PriceSheet | None:
    """The folder's own price sheet (loaded once per process)."""
    return _folder_parts(rules)[0]


def cost_mapping(rules: RuleSet) -> CostMapping | None:
    """The folder's answers-to-cost-inputs mapping (loaded once per process)."""
    return _folder_parts(rules)[1]


def price_sheet(
    rules: RuleSet,
    overrides: dict[str, float] | None = None,
    files: list[Path] | tuple[Path, ...] = (),
    assignments: list[str] | tuple[str, ...] = (),
) -> PriceSheet | None:
    """The folder's sheet with override files, `--set` assignments and edited figures."""
    if files:
        sheet: PriceSheet | None = load_prices(rules.folder / PRICES_FILE, list(files))
    else:
        sheet = folder_prices(rules)
    if sheet is None:
        return None
    if assignments:
        sheet = apply_settings(sheet, list(assignments))
    if overrides:
        sheet = with_values(sheet, overrides, "edited in the app")
    return sheet


def cost_inputs(rules: RuleSet, given: dict[str, Any], **overrides: Any) -> CostInputs:
    """The cost model's inputs for these answers (through the folder's mapping)."""
    values = resolve(rules.questionnaire, given).filled  # assumptions count for costs
    return inputs_from_answers(cost_mapping(rules), values, **overrides)


def bind_facts(
    rules: RuleSet,
    prices: PriceSheet | None = None,
    cost_overrides: dict[str, Any] | None = None,
    evidence: dict[str, Any] | None = None,
) -> Derive | None:
    """The facts function the engine uses: cost facts at these prices, plus evidence."""
    sheet = prices if prices is not None else folder_prices(rules)
    costs = CostFacts(sheet, cost_mapping(rules), cost_overrides) if sheet is not None else None
    measured = dict(evidence or {})
    if costs is None and not measured:
        return None

    def derive(values: dict[str, Any]) -> dict[str, Any]:
        return {**(costs(values) if costs is not None else {}), **measured}

    return derive


def load_evidence(path: Path | str) -> tuple[Any, dict[str, float]]:
    """A saved comparison run (compare.json) and the measured facts the rules read."""
    from advisor.compare.evidence import change_facts
    from advisor.compare.history import load_saved

    run = load_saved(Path(path))
    return run, change_facts(run)


def recommend(
    rules: RuleSet,
    given: dict[str, Any],
    *,
    prices: PriceSheet | None = None,
    cost_overrides: dict[str, Any] | None = None,
    evidence: dict[str, Any] | None = None,
) -> Recommendation:
    """The full recommendation; `prices` None means the folder's own price sheet."""
    return advise(rules, given, bind_facts(rules, prices, cost_overrides, evidence))


@dataclass(frozen=True)
class MeasuredEffect:
    """What a comparison's measurements did to the verdict: the same answers, prices and
    inputs, without the measured facts (`before`) and with them (`after`)."""

    before: Recommendation
    after: Recommendation

    @property
    def added(self) -> list[FiredRule]:
        """Rules that fire only because of the measurements."""
        was = {f.rule for f in self.before.fired}
        return [f for f in self.after.fired if f.rule not in was]

    @property
    def removed(self) -> list[FiredRule]:
        """Rules the measurements stopped (a cost fact at the measured training speed)."""
        now = {f.rule for f in self.after.fired}
        return [f for f in self.before.fired if f.rule not in now]

    @property
    def moved(self) -> dict[str, float]:
        """Option -> change of its raw score, for the options that moved."""
        a, b = self.after.raw_scores, self.before.raw_scores
        return {o: a[o] - b.get(o, 0.0) for o in a if abs(a[o] - b.get(o, 0.0)) > 1e-9}

    def sentence(self, facts: dict[str, Any], fallback: str | None = None) -> str:
        """One sentence on what the measurements did to the verdict, with the paired
        figure the measured rules read (and its interval); `fallback` (another paired
        figure) stands in when the run has none on unseen questions (no adapter)."""
        from advisor.options import OPTIONS

        before, after = self.before.label, self.after.label
        verdict = f"{before} → {after}" if before != after else f"still {after}"
        headline = _paired_headline(facts, fallback)
        if not self.added and not self.removed:
            return (
                f"Moves nothing in the verdict ({verdict}): no measured rule's test held "
                f"(each needs its own figure clear of chance, on enough questions). {headline}"
            )
        moved = ", ".join(f"{OPTIONS[o]} {v:+g}" for o, v in self.moved.items())
        rules = "; ".join(f.title for f in self.added) or "; ".join(
            f"no longer: {f.title}" for f in self.removed
        )
        return f"Moves the verdict ({verdict}): {rules} ({moved or 'no score moved'}). {headline}"


def _paired_headline(facts: dict[str, Any], fallback: str | None) -> str:
    """The paired difference the measured rules read, as points with its interval."""
    for key, a, b, what in (
        (
            "retrieval_minus_lora_unseen",
            "context_recall_unseen",
            "lora_correct_unseen",
            "Retrieval holding the answer minus the adapter stating it",
        ),
        (
            "rag_minus_lora_unseen",
            "rag_correct_unseen",
            "lora_correct_unseen",
            "RAG minus the adapter",
        ),
        ("lora_minus_base_unseen", None, None, "The adapter minus the base model"),
    ):
        n = facts.get(f"{key}_n")
        if not n:
            continue
        low, high = facts[f"{key}_low"] * 100, facts[f"{key}_high"] * 100
        if a is not None and a in facts and b in facts:
            point = f"{(facts[a] - facts[b]) * 100:+.0f} points, "
        elif key == "lora_minus_base_unseen" and "lora_gain_unseen" in facts:
            point = f"{facts['lora_gain_unseen'] * 100:+.0f} points, "
        else:
            point = ""
        return (
            f"{what} on questions the adapter did not train on: {point}95% interval "
            f"[{low:+.0f}, {high:+.0f}], {int(n)} questions in both."
        )
    if fallback:
        return f"On all questions, {fallback}."
    return "No paired figure: fewer than 5 scored questions in both arms."


def measured_effect(
    rules: RuleSet,
    given: dict[str, Any],
    *,
    evidence: dict[str, Any],
    prices: PriceSheet | None = None,
    cost_overrides: dict[str, Any] | None = None,
) -> MeasuredEffect:
    """The verdict without and with a comparison's measured facts."""
    before = recommend(rules, given, prices=prices, cost_overrides=cost_overrides)
    after = recommend(rules, given, prices=prices, cost_overrides=cost_overrides, evidence=evidence)
    return MeasuredEffect(before, after)


__all__ = [
    "COST_INPUTS_FILE",
    "Folder",
    "bind_facts",
    "check_mapping",
    "cost_inputs",
    "cost_mapping",
    "folder_prices",
    "load_evidence",
    "load_folder",
    "measured_effect",
    "price_sheet",
    "recommend",
]
