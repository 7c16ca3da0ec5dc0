"""Render a Report as HTML (self-contained, offline), Markdown, JSON or PDF."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from advisor.errors import AdvisorError
from advisor.options import OPTIONS
from advisor.report.model import Report

FORMATS = ("html", "md", "json", "pdf")
_TEMPLATES = Path(__file__).with_name("templates")


def _env(autoescape: bool):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["option"] = lambda o: OPTIONS.get(o, o)
    env.filters["money"] = lambda x: f"{x:,.2f}" if abs(x) < 1000 else f"{x:,.0f}"
    env.filters["md"] = inert_markdown
    env.filters["cell"] = lambda s: env.filters["md"](s).replace("|", "\\|").replace("\n", " ")
    env.filters["code"] = lambda s: str(s).replace("`", "'").replace("|", "\\|")
    env.filters["pct"] = lambda x: "n/a" if x is None else f"{x:.0%}"
    env.filters["ci"] = _interval
    env.filters["arm"] = _arm_label
    return env


def inert_markdown(text: Any) -> str:
    """Text for Markdown, shown as written and inert: Markdown has no autoescape, and a
    document's text must not become live HTML, an image the viewer fetches, or a link
    (`<` and `>` become entities, `[` and `]` are escaped: no `![..](..)`, no `[..](..)`).
    """
    out = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return out.replace("[", "\\[").replace("]", "\\]")


def _interval(s: dict[str, Any] | None) -> str:
    """A share with its bootstrap interval: "62% (48-75%)"; blank when not measured."""
    if not s or s.get("mean") is None:
        return ""
    return f"{s['mean']:.0%} ({s['low']:.0%}-{s['high']:.0%})"


def _arm_label(arm: str) -> str:
    from advisor.compare.arms import REGISTRY

    return REGISTRY[arm].label if arm in REGISTRY else str(arm)


def to_json(report: Report) -> str:
    """The report as JSON (`schema_version` first); documented in the README."""
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)


def to_markdown(report: Report) -> str:
    return _env(False).get_template("report.md.j2").render(r=report.model_dump(mode="json"))


def _charts(report: Report) -> dict[str, Any]:
    """Interactive plotly charts; plotly.js is inlined once so the file opens offline."""
    from markupsafe import Markup

    from advisor.costs.figures import cumulative_figure

    charts: dict[str, Any] = {}
    fig = cumulative_figure(report.costs)
    charts["cumulative"] = Markup(
        fig.to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False})
    )
    if report.lora_run and report.lora_run.get("train_loss"):
        from advisor.compare.figures import loss_figure

        run = report.lora_run
        loss = loss_figure(
            [tuple(p) for p in run["train_loss"]], [tuple(p) for p in run.get("val_loss") or []]
        )
        charts["loss"] = Markup(loss.to_html(full_html=False, include_plotlyjs=False))
    arms = (report.comparison or {}).get("arms", {})
    if any(s.get("correct") for s in arms.values()):
        from advisor.compare.figures import correctness_figure  # the Compare page's chart

        fig = correctness_figure(arms)
        charts["comparison"] = Markup(fig.to_html(full_html=False, include_plotlyjs=False))
    return charts


def to_html(report: Report) -> str:
    """One self-contained HTML file: user text autoescaped, charts inline."""
    return (
        _env(True)
        .get_template("report.html.j2")
        .render(r=report.model_dump(mode="json"), charts=_charts(report))
    )


def chromium_path() -> str | None:
    return (
        shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )


def to_pdf(report: Report) -> bytes:
    """Print the HTML to PDF with headless Chromium, when it is installed."""
    browser = chromium_path()
    if browser is None:
        raise AdvisorError(
            "PDF needs headless Chromium (apt-get install chromium); "
            "HTML, Markdown and JSON work without it"
        )
    with tempfile.TemporaryDirectory() as tmp:
        html, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        html.write_text(to_html(report), encoding="utf-8")
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ]
        done = subprocess.run(cmd, capture_output=True, timeout=120)
        if done.returncode != 0 or not pdf.exists():
            raise AdvisorError(f"Chromium could not print the PDF (exit {done.returncode})")
        return pdf.read_bytes()


def render(report: Report, fmt: str) -> bytes:
    """The report in `fmt` (html, md, json or pdf) as bytes."""
    if fmt == "html":
        return to_html(report).encode()
    if fmt == "md":
        return to_markdown(report).encode()
    if fmt == "json":
        return to_json(report).encode()
    if fmt == "pdf":
        return to_pdf(report)
    raise AdvisorError(f"unknown report format '{fmt}' (choose {', '.join(FORMATS)})")
