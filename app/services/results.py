"""What a collection reports: per window, per (area, item) collection, and summed up.

Counts are of distinct keys per upsert (see :class:`app.repositories.points.UpsertResult`);
``points`` counts what the documents held, including points outside the requested range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.entsoe.errors import TokenRejectedError
from app.exceptions import database_unavailable


@dataclass(frozen=True, slots=True)
class WindowFailure:
    """A window (or a whole collection) that failed. ``error`` names the exception class for
    reports and JSON; ``fatal``: every further window would fail the same way (a rejected
    token), so the collection and a backfill around it stop. ``outage``: the database could not
    be used (``message`` then says why, e.g. ``ConnectionRefusedError: ...``); a backfill stops
    on it, since every further window would be fetched only to be lost."""

    start: datetime
    end: datetime
    error: str
    message: str
    fatal: bool = False
    outage: bool = False

    @classmethod
    def of(cls, start: datetime, end: datetime, exc: BaseException) -> WindowFailure:
        """The failure ``exc`` caused."""
        outage = database_unavailable(exc)
        return cls(
            start,
            end,
            type(exc).__name__,
            outage or str(exc),
            fatal=isinstance(exc, TokenRejectedError),
            outage=outage is not None,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "error": self.error,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class WindowResult:
    """One window: requests it took (retries included) and what the upsert did."""

    area_code: str
    data_type: str
    start: datetime
    end: datetime
    requests: int = 0
    points: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    empty: bool = False
    failure: WindowFailure | None = None


@dataclass(slots=True)
class CollectionSummary:
    """One (area, item) collection. ``status``: succeeded, partial (some windows failed),
    failed (all failed, or the token was rejected), skipped (another collection held the lock).
    ``aborted``: a fatal window failure stopped it before its last window."""

    area_code: str
    data_type: str
    start: datetime
    end: datetime
    status: str = "succeeded"
    windows_planned: int = 0
    windows: int = 0
    requests: int = 0
    points: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    empty_windows: int = 0
    failed_windows: int = 0
    errors: list[WindowFailure] = field(default_factory=list)
    duration_s: float = 0.0
    run_id: int | None = None
    aborted: bool = False

    def add(self, window: WindowResult) -> None:
        self.requests += window.requests
        if window.failure is not None:
            self.failed_windows += 1
            self.errors.append(window.failure)
            self.aborted = self.aborted or window.failure.fatal
            return
        self.windows += 1
        self.points += window.points
        self.inserted += window.inserted
        self.updated += window.updated
        self.unchanged += window.unchanged
        self.empty_windows += int(window.empty)

    def as_dict(self) -> dict[str, Any]:
        return {
            "area": self.area_code,
            "data_type": self.data_type,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "status": self.status,
            "windows_planned": self.windows_planned,
            "windows": self.windows,
            "requests": self.requests,
            "points": self.points,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "empty_windows": self.empty_windows,
            "failed_windows": self.failed_windows,
            "errors": [e.as_dict() for e in self.errors],
            "duration_s": round(self.duration_s, 3),
            "run_id": self.run_id,
        }


COUNTERS = ("windows", "requests", "points", "inserted", "updated", "unchanged", "empty_windows")


def totals(summaries: Sequence[CollectionSummary]) -> dict[str, int]:
    """Counters summed over several collections (``failed`` counts failed windows)."""
    out = {name: sum(getattr(s, name) for s in summaries) for name in COUNTERS}
    out["failed"] = sum(s.failed_windows for s in summaries)
    return out


def status_of(summary: CollectionSummary) -> str:
    """The final status of a collection that ran (see :class:`CollectionSummary`)."""
    if summary.aborted or (summary.failed_windows and not summary.windows):
        return "failed"
    return "partial" if summary.failed_windows else "succeeded"


def overall_status(statuses: Sequence[str]) -> str:
    """The status of several finished collections (a POST /collect-data request or job).

    ``succeeded``: all succeeded. ``skipped``: all were skipped (other collections held their
    locks; nothing was asked of ENTSO-E). ``failed``: none stored anything (each failed or was
    skipped, at least one failed). ``partial``: anything else; some data was stored but not all
    that was asked for, whether windows failed or collections were skipped: a skipped
    collection is not a success, since the one holding the lock may cover another range.
    """
    found = set(statuses)
    if found <= {"succeeded"}:
        return "succeeded"
    if found == {"skipped"}:
        return "skipped"
    if found <= {"failed", "skipped"}:
        return "failed"
    return "partial"
