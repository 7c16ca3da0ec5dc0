"""A recommendation as plain text for the terminal."""

from __future__ import annotations

import textwrap

from advisor.decision.engine import Recommendation
from advisor.options import OPTIONS


def _evidence(weights: dict[str, float]) -> str:
    return ", ".join(f"{OPTIONS[o]} {w:+g}" for o, w in weights.items())


def render_text(rec: Recommendation) -> str:
    """Verdict, scores, reasons, warnings, next steps and flips, for a person to read."""
    out: list[str] = [f"Recommendation: {rec.label}"]
    out.append("Scores: " + " | ".join(f"{OPTIONS[o]} {rec.scores[o]:.0%}" for o in rec.ranking))
    if rec.tie:
        names = ", ".join(OPTIONS[o] for o in rec.tie)
        out.append(f"TIE between {names}: the tie goes to the simplest step first.")
    if rec.near_ties:
        names = ", ".join(OPTIONS[o] for o in rec.near_ties)
        out.append(f"Close behind (near tie): {names}. Read the flips below.")
    out.append("")
    out.append("Why: the rules that fired")
    for f in rec.fired:
        if not f.evidence:
            continue  # warning-only rules are shown with their warning below
        weights = f" [{_evidence(f.evidence)}]" if f.evidence else ""
        out.append(f"  + {f.title}{weights}")
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
            out.append(f"  - {flip.question} = {flip.shown}  ->  {OPTIONS[flip.recommendation]}")
    else:
        out.append("No single changed answer flips this verdict.")
    return "\n".join(out)


def _clip(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
