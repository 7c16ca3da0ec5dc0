"""The app's background jobs (training, a comparison, an update or a forget): one runner.

A job runs in a daemon thread; its page polls it. Each job is kept in the browser session
and also in a table of this process under its workspace and slot, so a reload (a new
session on the same `?ws=` link) finds a running job again, shows its progress and can
cancel it, instead of losing sight of a run that goes on in the background. A finished
job stays in the table until the next one in the same slot of that workspace replaces it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from advisor.ui import state


@dataclass
class Job:
    """One background run; `work` fills `result` or `error`, the page reads the rest."""

    kind: str = "job"
    cancel: threading.Event = field(default_factory=threading.Event)
    progress: tuple[int, int, str] = (0, 1, "Loading the models...")  # done, total, what
    reports: list[Any] = field(default_factory=list)  # a training run's step reports
    result: Any = None
    error: str | None = None
    thread: threading.Thread | None = None
    shown_done: bool = False  # the whole page has rerun since the thread ended
    quick: bool = False  # training's quick preset: a check of the flow, not an adapter

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def report(self, done: int, total: int, what: str) -> None:
        """A progress callback for the comparison and the changes."""
        self.progress = (done, total, what)


_JOBS: dict[tuple[str, str], Job] = {}  # (workspace, slot) -> its latest job
_LOCK = threading.Lock()


def start(
    slot: str,
    job: Job,
    work: Callable[[Job], Any],
    failed: Callable[[Exception], str] = str,
) -> Job:
    """Run `work(job)` in the background as the workspace's job in `slot`; its return
    value becomes `job.result`, an exception `job.error` (in `failed`'s words: one line on
    the page, never a traceback)."""

    def run() -> None:
        try:
            job.result = work(job)
        except Exception as exc:
            job.error = failed(exc)

    job.thread = threading.Thread(target=run, name=f"advisor-{job.kind}", daemon=True)
    with _LOCK:
        _JOBS[(state.workspace(), slot)] = job
    job.thread.start()
    st.session_state[slot] = job
    return job


def current(slot: str) -> Job | None:
    """This session's job in `slot`; after a reload, the workspace's job that an earlier
    session of the same link started and that is still running (this session follows it
    from then on). A job that ended before the reload is not taken over: what it made is
    in the workspace already, and the page shows it from there."""
    job = st.session_state.get(slot)
    if job is None:
        with _LOCK:
            job = _JOBS.get((state.workspace(), slot))
        if job is None or not job.running:
            return None
        st.session_state[slot] = job
    return job


def running(*slots: str) -> bool:
    """Whether any job in these slots of this workspace is running."""
    return any((j := current(s)) is not None and j.running for s in slots)
