"""Questionnaire, rules and the engine that turns answers into an explained verdict."""

from advisor.decision.engine import Recommendation, advise, evaluate
from advisor.decision.loader import RuleSet, load_rules

__all__ = ["Recommendation", "RuleSet", "advise", "evaluate", "load_rules"]
