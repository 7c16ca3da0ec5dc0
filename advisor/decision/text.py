"""A recommendation as plain text for the terminal."""

from __future__ import annotations

import textwrap

from advisor.decision.engine import Recommendation
from advisor.options import OPTIONS


def _evidence(weights: dict[str, float]) -> str:
    return ", ".join(f"{OPTIONS[o]} {w:+g}" for o, w in weights.items())


def _names(options: list[str]) -> str:
    return " and ".join(OPTIONS[o] for o in options)


def starting_point_text(rec: Recommendation) -> str:
    """What a verdict that nothing weighs on is (`rec.starting_point`): the app, the
    terminal and the report say it in these words instead of showing shares."""
    seeds = (
        ", as the seed articles advise (try prompts first)"
        if rec.recommendation == "prompt_engineering"
        else ""
    )
    return (
        "A starting point, not a verdict yet: nothing you answered weighs on it. With "
        f"nothing known, the rules start from {rec.label}{seeds}; answer the questions to "
        "see where your case leans."
    )


def render_text(rec: Recommendation) -> str:
    """Verdict, what it rests on, reasons, warnings, next steps, flips, next questions."""
    out: list[str] = [f"Recommendation: {rec.label}"]
    feasible = [o for o in rec.ranking if o not in {r.option for r in rec.ruled_out}]
    if rec.starting_point:
        out += textwrap.wrap(starting_point_text(rec), 88)
    else:
        out.append("Scores: " + " | ".join(f"{OPTIONS[o]} {rec.scores[o]:.0%}" for o in feasible))
    if rec.tie:
        out.append(
            f"TIE: {_names(rec.tie)} fit these answers equally well; the simpler step is "
            "listed first. The next questions below can separate them."
        )
    if rec.near_ties:
        out.append(f"Close behind (near tie): {_names(rec.near_ties)}. Read the flips below.")
    out += _answers(rec)
    if rec.ruled_out:
        out.append("")
        out.append("Ruled out by your answers")
        for r in rec.ruled_out:
            out.append(f"  x {OPTIONS[r.option]}: {r.title}. {r.rationale}")
            for reason in r.because:
                out.append(f"      because {reason}")
            out.append(f'      source: {r.source.seed}: "{_clip(r.source.quote)}"')
    out.append("")
    out.append("Why: the rules that fired")
    if rec.starting_point:
        out.append("  none: no rule fired on these answers")
    for f in rec.fired:
        if not f.evidence:
            continue  # warning-only rules are shown with their warning below
        out.append(f"  + {f.title} [{_evidence(f.evidence)}]")
        for reason in f.because:
            out.append(f"      because {reason}")
        out.append(f'      source: {f.source.seed}: "{_clip(f.source.quote)}"')
    if rec.warnings:
        out.append("")
        out.append("Warnings: anti-patterns in these answers")
        for w in rec.warnings:
            out.append(f"  ! {w.title}: {w.message}")
            for reason in w.because:
                out.append(f"      because {reason}")
            out.append(f"      fix: {w.fix}")
    out.append("")
    out.append(f"Next steps for {rec.label}")
    for i, step in enumerate(rec.next_steps, 1):
        out.append(
            textwrap.fill(step.text, 96, initial_indent=f"  {i}. ", subsequent_indent="     ")
        )
    out.append("")
    if rec.flips:
        out.append("What one changed answer would flip the verdict")
        for flip in rec.flips:
            out.append(
                textwrap.fill(flip.text, 96, initial_indent="  - ", subsequent_indent="    ")
            )
    else:
        out.append("No single changed answer flips this verdict.")
    if rec.next_questions:
        out.append("")
        out.append("Answer these next: they can change the result")
        for n in rec.next_questions:
            out.append(
                f"  ? {n.text} ({n.share:.0%} of its answers lead to {_names(n.could_become)})"
            )
    return "\n".join(out)


def _answers(rec: Recommendation) -> list[str]:
    """Which answers the verdict rests on: given, implied, assumed, unknown."""
    out = [""]
    given = rec.by_origin("given")
    out.append(f"You said ({len(given)}): " + ("; ".join(f"{a.question} = {a.shown}"
               for a in given) or "nothing yet"))  # fmt: skip
    for a in rec.by_origin("implied"):
        out.append(f"Implied: {a.question} = {a.shown} ({a.reason})")
    assumed = rec.by_origin("assumed")
    if assumed:
        out.append(
            "Assumed for the cost estimate only, never held against an option: "
            + "; ".join(f"{a.question} = {a.assumed}" for a in assumed)
        )
    unknown = rec.by_origin("unknown")
    if unknown:
        out.append(f"Not answered ({len(unknown)}): " + ", ".join(a.question for a in unknown))
    return out


def _clip(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
