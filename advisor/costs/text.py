"""A cost report as plain text for the terminal."""

from __future__ import annotations

from typing import Any

from advisor.options import OPTIONS


def render_costs(report: dict[str, Any], age_note: str | None) -> str:
    """Totals, line items with formulas, break-even and the biggest cost drivers;
    `age_note` is the sheet's (PriceSheet.age_note)."""
    months = report["horizon_months"]
    cur = report["currency"]
    out = [f"Costs over {months} months ({cur}, price sheet of {report['as_of']})"]
    if age_note:
        out.append(f"{age_note} Override figures with --prices FILE or --set PATH=VALUE.")
    rows = sorted(report["approaches"].items(), key=lambda kv: kv[1]["cumulative"][-1])
    out.append("")
    out.append(f"  {'approach':<28}{'one-time':>12}{'monthly':>12}{'total':>14}")
    for a, c in rows:
        out.append(
            f"  {OPTIONS[a]:<28}{c['one_time']:>12,.0f}{c['monthly']:>12,.0f}"
            f"{c['cumulative'][-1]:>14,.0f}"
        )
    for a, c in rows:
        out.append("")
        out.append(f"{OPTIONS[a]}")
        for item in c["line_items"]:
            kind = "once " if item["kind"] == "one_time" else "/month"
            out.append(f"  {item['amount']:>12,.2f} {kind}  {item['name']}: {item['formula']}")
    out.append("")
    out.append("Break-even (the approach that costs more up front vs the other)")
    for b in report["break_even"]:
        out.append(f"  {OPTIONS[b['investment']]} vs {OPTIONS[b['other']]}: {b['text']}")
    out.append("")
    out.append("Biggest cost drivers (total at -50% .. +50%)")
    for a, swings in report["sensitivity"].items():
        top = ", ".join(f"{s['input']} ({s['low']:,.0f}..{s['high']:,.0f})" for s in swings[:3])
        out.append(f"  {OPTIONS[a]}: {top}")
    return "\n".join(out)
