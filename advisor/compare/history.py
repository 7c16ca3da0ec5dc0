"""Where a workspace keeps its comparison runs: the latest, every one before it, and two
of them set side by side.

Each saved run is kept as `<data_dir>/compare/<collection>/runs/<id>.json` besides the
latest (`compare.json`, which the verdict reads): the id is the run's start time,
`20261204-043512`. A change applied later (an update, a forget) is saved into the same
kept file. `diff(a, b)` says per arm what changed from run A to run B: the correct share
in each, B minus A on the questions both asked (a paired interval), the questions that
flipped, and the settings, models and question sets that differ.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.compare.run import RUN_FILE, ComparisonRun, load_run
from advisor.compare.stats import paired_difference, points
from advisor.errors import AdvisorError
from advisor.settings import Settings

RUNS = "runs"  # beside compare.json (RUN_FILE), the workspace's latest run
_ID = re.compile(r"^\d{8}-\d{6}(-\d+)?$")


def latest_path(settings: Settings, collection: str | None = None) -> Path:
    """Where a workspace keeps its latest comparison run."""
    return settings.data_dir / "compare" / (collection or settings.collection) / RUN_FILE


def save_latest(run: ComparisonRun, settings: Settings) -> Path:
    """Keep the run as the workspace's latest (the report and the evidence read it), and
    among its kept runs (advisor.compare.history), so a later run never loses it."""
    keep(run, settings)
    return run.save(latest_path(settings, run.collection))


def load_latest(settings: Settings, collection: str | None = None) -> ComparisonRun | None:
    """The workspace's latest run, or None when it has none."""
    path = latest_path(settings, collection)
    return load_saved(path) if path.exists() else None


def load_saved(path: Path) -> ComparisonRun:
    """A saved run, checked against its schema, with its aggregates computed again from
    its answers: derived figures in a file are never trusted (an edited file could claim
    any winner)."""
    from advisor.compare.summary import summarise

    run = load_run(path)
    run.aggregates = summarise(run)
    return run


def run_id(run: ComparisonRun) -> str:
    """The run's id: its start time in UTC, `YYYYMMDD-HHMMSS`."""
    try:
        at = dt.datetime.fromisoformat(run.started_at)
    except ValueError:
        at = dt.datetime.now(dt.UTC)
    return at.astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")


def runs_dir(settings: Settings, collection: str | None = None) -> Path:
    return settings.data_dir / "compare" / (collection or settings.collection) / RUNS


def keep(run: ComparisonRun, settings: Settings) -> Path:
    """Keep the run under its id (written atomically). A run saved again replaces its own
    copy, so an update or forget applied to it is kept with it; another run that started
    in the same second gets the next free suffix (`-2`), so no kept run is overwritten."""
    import json

    folder = runs_dir(settings, run.collection)
    base = run_id(run)
    for n in range(1, 1000):
        path = folder / (f"{base}.json" if n == 1 else f"{base}-{n}.json")
        if not path.exists():
            break
        try:
            held = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue  # a file that cannot be read is kept as it is, beside the new one
        if _same(held, run):
            break
    return run.save(path)


def _same(held: Any, run: ComparisonRun) -> bool:
    """Whether a kept file is this run (the same start, question set and arms)."""
    return (
        isinstance(held, dict)
        and held.get("started_at") == run.started_at
        and (held.get("question_set") or {}).get("sha256") == run.question_set.get("sha256")
        and held.get("arms") == list(run.arms)
    )


@dataclass(frozen=True)
class Kept:
    """One kept run as `advisor compare runs` lists it; `problem` when it cannot be read."""

    id: str
    path: Path
    run: ComparisonRun | None = None
    problem: str | None = None


def list_runs(settings: Settings, collection: str | None = None) -> list[Kept]:
    """The workspace's kept runs, newest first; a file that cannot be read is listed with
    its one-line problem, never skipped in silence."""
    folder = runs_dir(settings, collection)
    found = sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else []
    out = []
    for path in found:
        if not _ID.match(path.stem):
            continue
        try:
            out.append(Kept(path.stem, path, load_saved(path)))
        except AdvisorError as exc:
            out.append(Kept(path.stem, path, problem=str(exc)))
    return out


def load_kept(settings: Settings, run: str, collection: str | None = None) -> ComparisonRun:
    """A kept run by id (or `latest`, or a unique prefix of an id); one line otherwise."""
    kept = list_runs(settings, collection)
    if run == "latest":
        hits = kept[:1]
    else:
        hits = [k for k in kept if k.id == run] or [k for k in kept if k.id.startswith(run)]
    if not hits:
        known = ", ".join(k.id for k in kept[:5]) or "none yet"
        raise AdvisorError(f"no kept comparison run '{run}' (kept: {known})")
    if len(hits) > 1:
        raise AdvisorError(f"'{run}' matches {len(hits)} runs: give more of the id")
    if hits[0].problem:
        raise AdvisorError(hits[0].problem)
    return load_saved(hits[0].path)


@dataclass
class ArmDiff:
    arm: str
    a: dict[str, Any] | None  # the correct share in A (mean, low, high, n), None if not run
    b: dict[str, Any] | None
    paired: dict[str, Any] | None  # B minus A on the questions both scored
    now_right: list[str] = field(default_factory=list)  # wrong in A, right in B
    now_wrong: list[str] = field(default_factory=list)  # right in A, wrong in B


@dataclass
class RunDiff:
    a: str
    b: str
    arms: list[ArmDiff]
    settings: dict[str, tuple[Any, Any]]  # what differs: name -> (A, B)
    only_a: list[str]  # question ids A asked and B did not
    only_b: list[str]
    same_questions: bool


def _correct(run: ComparisonRun, arm: str) -> dict[str, float]:
    return {c.question_id: c.correct for c in run.cells if c.arm == arm and c.correct is not None}


def _settings(run: ComparisonRun) -> dict[str, Any]:
    out = {f"settings.{k}": v for k, v in run.settings.items()}
    out |= {f"model.{arm}": m for arm, m in run.models.items()}
    out["adapter"] = (run.adapter or {}).get("run_id")
    out["question set"] = run.question_set.get("name")
    out["question set sha256"] = (run.question_set.get("sha256") or "")[:12] or None
    return out


def diff(a: ComparisonRun, b: ComparisonRun) -> RunDiff:
    """What changed from run A to run B, per arm, with paired intervals."""
    arms = list(dict.fromkeys([*a.arms, *b.arms]))
    out = []
    for arm in arms:
        ca, cb = _correct(a, arm), _correct(b, arm)
        both = [q for q in ca if q in cb]
        paired = paired_difference([cb[q] for q in both], [ca[q] for q in both]) if both else None
        out.append(
            ArmDiff(
                arm,
                a.aggregates.get("arms", {}).get(arm, {}).get("correct"),
                b.aggregates.get("arms", {}).get(arm, {}).get("correct"),
                paired,
                [q for q in both if cb[q] > ca[q]],
                [q for q in both if cb[q] < ca[q]],
            )
        )
    sa, sb = _settings(a), _settings(b)
    changed = {
        k: (sa.get(k), sb.get(k)) for k in dict.fromkeys([*sa, *sb]) if sa.get(k) != sb.get(k)
    }
    ids_a, ids_b = [r.id for r in a.rows], [r.id for r in b.rows]
    return RunDiff(
        run_id(a),
        run_id(b),
        out,
        changed,
        [q for q in ids_a if q not in set(ids_b)],
        [q for q in ids_b if q not in set(ids_a)],
        a.question_set.get("sha256") == b.question_set.get("sha256"),
    )


def _share(stat: dict[str, Any] | None) -> str:
    if not stat:
        return "not run"
    return f"{stat['mean']:.0%} [{stat['low']:.0%}-{stat['high']:.0%}], n={stat['n']}"


def diff_lines(d: RunDiff, limit: int = 8) -> list[str]:
    """The diff as lines of text (the CLI prints them; the page shows the same)."""
    from advisor.compare.figures import short

    lines = [f"From {d.a} (A) to {d.b} (B):"]
    if not d.same_questions:
        lines.append(
            f"  The question sets differ: {len(d.only_a)} only in A, {len(d.only_b)} only "
            "in B; the paired figures use the questions both asked."
        )
    for x in d.arms:
        lines.append(f"  {short(x.arm)}: correct {_share(x.a)} -> {_share(x.b)}")
        if x.paired is not None:
            lines.append(f"    B minus A on the same questions: {points(x.paired)}")
        for label, ids in (("now right", x.now_right), ("now wrong", x.now_wrong)):
            if ids:
                more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
                lines.append(f"    {label} ({len(ids)}): {', '.join(ids[:limit])}{more}")
    if d.settings:
        lines.append("  What differs:")
        lines += [f"    {k}: {va!r} -> {vb!r}" for k, (va, vb) in d.settings.items()]
    else:
        lines.append("  Same settings, models, adapter and question set.")
    return lines
