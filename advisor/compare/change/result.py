"""What a change did, as data: the answers before and after, and the measurements per arm.

A change is an update (new versions of documents re-ingested) or a forget (a document
removed). Each one is stored in the comparison run's `changes` as `ChangeResult.to_dict()`.

A cell here is a dict: question_id, arm, answer (as the user sees it), backend, seconds, and
  old_stated  the answer states the fact that no longer holds: after an update the old
              reference, after a forget the forgotten document's reference (None: none)
  new_stated  the answer states the updated reference (updates only; None otherwise)
  withheld    the trust check withheld the model's answer (old_stated and new_stated are
              then False: the user was told the documents do not say)
  doc_chunks  retrieved chunks from the changed documents (retrieval arms; None otherwise)
  at          after the change: seconds from its start (re-ingest or forget included) to
              this answer, as if the arm were the only one answering; None before it
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, TypeAdapter
from typing_extensions import TypedDict  # pydantic reads its annotations on Python 3.11

from advisor.compare.schema import ArmName, Count, Finite, Flag, Seconds

UPDATE, FORGET = "update", "forget"


class ChangeCell(TypedDict, total=False):
    """A cell of `before` or `after` (module docstring), as a saved run must hold it."""

    question_id: str
    arm: ArmName
    answer: str
    backend: str
    seconds: Seconds
    old_stated: Flag | None
    new_stated: Flag | None
    withheld: Flag
    doc_chunks: Count | None
    at: Seconds | None


def _measures(arms: dict[str, dict[str, Finite | None]]) -> dict[str, dict[str, Any]]:
    """Counts are non-negative; a share, a rate or `_of_known` lies in [0, 1]."""
    for arm, measures in arms.items():
        for key, value in measures.items():
            if value is None:
                continue
            share = key.endswith(("_share", "_rate", "_of_known"))
            if value < 0 or (share and value > 1):
                raise ValueError(f"{arm}.{key}: {value} is out of range")
    return arms


@dataclass
class ChangeResult:
    """One update or forget, the answers around it, and what they show per arm."""

    kind: Literal["update", "forget"]
    documents: list[str]  # the updated or forgotten documents
    started_at: str
    question_set: str = ""
    status: Literal["complete", "cancelled"] = "complete"
    seconds: Seconds = 0.0  # the whole change, both rounds of questions included
    change_seconds: Seconds = 0.0  # the re-ingest or the forget alone
    files: list[dict[str, Any]] = field(default_factory=list)  # name, status, chunks, message
    questions: list[dict[str, Any]] = field(default_factory=list)  # id, question, old, new
    before: list[ChangeCell] = field(default_factory=list)  # type: ignore[assignment]
    after: list[ChangeCell] = field(default_factory=list)  # type: ignore[assignment]
    # measurements per arm (update_measures, forget_measures)
    arms: Annotated[dict[ArmName, dict[str, Finite | None]], AfterValidator(_measures)] = field(
        default_factory=dict
    )
    retrain: dict[str, Any] | None = None  # the adapter's measured training run
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChangeResult:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def cell(self, when: str, question_id: str, arm: str) -> dict[str, Any] | None:
        """The `before` or `after` answer of one arm to one question."""
        cells = self.before if when == "before" else self.after
        return next((c for c in cells if c["question_id"] == question_id and c["arm"] == arm), None)


def _count(cells: list[dict[str, Any]], key: str) -> int:
    return sum(1 for c in cells if c.get(key))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def update_measures(
    arms: list[str], before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Per arm: how many changed facts it stated new and old, before and after the update.

    n                        changed questions the arm answered after the update
    new_stated, old_stated   answers after the update stating the new / the old fact
    old_share                old_stated / n: the share of changed facts it still states
                             the old answer for (an answer giving both counts)
    stale                    answers after the update stating the old fact, not the new
    stale_share              stale / n: the share of changed facts it only knows as old
    seconds_to_first_correct from the start of the update (re-ingest included) to its
                             first answer stating a new fact; None: it never did
    knew                     changed facts it stated (in the old form) before the update:
                             the denominator of staleness; the rest it never learned
    not_learned              changed facts it did not state before (neither stale nor not)
    knew_still_old           of `knew`, answers after the update still stating the old
                             fact and not the new one
    knew_new                 of `knew`, answers after the update stating the new fact
    stale_of_known           knew_still_old / knew (None when it knew none)
    """
    out: dict[str, dict[str, Any]] = {}
    for arm in arms:
        pre = [c for c in before if c["arm"] == arm]
        post = [c for c in after if c["arm"] == arm]
        correct = [c["at"] for c in post if c.get("new_stated") and c.get("at") is not None]
        stale = sum(1 for c in post if c.get("old_stated") and not c.get("new_stated"))
        knew = known(pre)
        on_known = [c for c in post if c["question_id"] in knew]
        still = sum(1 for c in on_known if c.get("old_stated") and not c.get("new_stated"))
        out[arm] = {
            "n": len(post),
            "before_new_stated": _count(pre, "new_stated"),
            "before_old_stated": _count(pre, "old_stated"),
            "new_stated": _count(post, "new_stated"),
            "old_stated": _count(post, "old_stated"),
            "old_share": _share(_count(post, "old_stated"), len(post)),
            "stale": stale,
            "stale_share": _share(stale, len(post)),
            "new_share": _share(_count(post, "new_stated"), len(post)),
            "seconds_to_first_correct": round(min(correct), 3) if correct else None,
            "knew": len(knew),
            "not_learned": len({c["question_id"] for c in pre}) - len(knew),
            "knew_still_old": still,
            "knew_new": _count(on_known, "new_stated"),
            "stale_of_known": _share(still, len(knew)),
        }
    return out


def known(before: list[dict[str, Any]]) -> set[str]:
    """The questions whose fact an arm stated before a change (its `before` cells): what
    it knew, so what can go stale or leak."""
    return {c["question_id"] for c in before if c.get("old_stated")}


def forget_measures(
    arms: list[str], before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Per arm: the forgotten document's facts still stated and its chunks still retrieved.

    n              questions with a reference answer (the facts that could leak)
    stated_before  answers stating their reference before the forget
    stated_after   the same after it
    leak_rate      stated_after / n: what the arm still says of a document it should not know
    chunks_before, chunks_after
                   chunks of the document retrieved for its questions (retrieval arms;
                   after a forget this must be 0)
    knew           facts of the document it stated before the forget (the denominator)
    not_learned    the document's facts it did not state before (they cannot leak)
    leaked         of `knew`, facts it still states after the forget
    leak_of_known  leaked / knew (None when it knew none)
    """
    out: dict[str, dict[str, Any]] = {}
    for arm in arms:
        pre = [c for c in before if c["arm"] == arm]
        post = [c for c in after if c["arm"] == arm]
        scored = [c for c in post if c.get("old_stated") is not None]
        retrieval = any(c.get("doc_chunks") is not None for c in pre + post)
        knew = known(pre)
        leaked = sum(1 for c in post if c["question_id"] in knew and c.get("old_stated"))
        out[arm] = {
            "n": len(scored),
            "asked": len(post),
            "stated_before": _count(pre, "old_stated"),
            "stated_after": _count(scored, "old_stated"),
            "leak_rate": _share(_count(scored, "old_stated"), len(scored)),
            "chunks_before": sum(c.get("doc_chunks") or 0 for c in pre) if retrieval else None,
            "chunks_after": sum(c.get("doc_chunks") or 0 for c in post) if retrieval else None,
            "knew": len(knew),
            "not_learned": len({c["question_id"] for c in pre if c.get("old_stated") is not None})
            - len(knew),
            "leaked": leaked,
            "leak_of_known": _share(leaked, len(knew)),
        }
    return out


def retrain_card(adapter: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the adapter's own run card measured: the wall time of one training run here."""
    if not adapter:
        return None
    return {
        "run_id": adapter.get("run_id"),
        "train_seconds": adapter.get("train_seconds"),  # the full run's (an estimate if partial)
        "train_seconds_measured": adapter.get("train_seconds_measured", True),
        "partial": adapter.get("partial") or "",
        "tokens_per_second": adapter.get("tokens_per_second"),
        "train_pairs": adapter.get("train_pairs"),
    }


def latest(changes: list[dict[str, Any]], kind: str) -> ChangeResult | None:
    """The newest complete change of this kind among a run's `changes`."""
    for data in reversed(changes):
        if data.get("kind") == kind and data.get("status") == "complete":
            return ChangeResult.from_dict(data)
    return None


CHANGE = TypeAdapter(ChangeResult)  # a saved change's schema (advisor.compare.run)
