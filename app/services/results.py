"""What a collection reports: per window, per (area, item) collection, and summed up.

Counts are of distinct keys per upsert (see :class:`app.repositories.points.UpsertResult`);
``points`` counts what the documents held, including points outside the requested range;
``rejected`` the points the processor refused (a quantity the database cannot hold, logged as
``processor.point_rejected``); ``deleted`` stored rows a newer revision superseded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.entsoe.errors import TokenRejectedError
from app.exceptions import database_unavailable

# A failure message is one line of at most this many characters: an unexpected error's text
# (a database error's SQL and parameters) would otherwise be copied into every report and row.
MESSAGE_MAX_CHARS = 300


def one_line(text: str, limit: int = MESSAGE_MAX_CHARS) -> str:
    """The first non-empty line of ``text``, cut to ``limit`` characters (marked with ...)."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[: limit - 3] + "..."


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
        """The failure ``exc`` caused, its message cut to one line (:func:`one_line`)."""
        outage = database_unavailable(exc)
        return cls(
            start,
            end,
            type(exc).__name__,
            one_line(outage or str(exc)) or type(exc).__name__,
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
    """One window: requests it took (retries included), what the upsert did, and the points
    the processor rejected."""

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
    rejected: int = 0
    deleted: int = 0


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
    deleted: int = 0
    rejected: int = 0
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
        self.deleted += window.deleted
        self.rejected += window.rejected
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
            "deleted": self.deleted,
            "rejected": self.rejected,
            "empty_windows": self.empty_windows,
            "failed_windows": self.failed_windows,
            "errors": [e.as_dict() for e in self.errors],
            "duration_s": round(self.duration_s, 3),
            "run_id": self.run_id,
        }


COUNTERS = ("windows", "requests", "points", "inserted", "updated", "unchanged", "empty_windows")
# Counted in a summary but not kept in collection_runs.
SUMMARY_ONLY = ("deleted", "rejected")


def totals(summaries: Sequence[CollectionSummary]) -> dict[str, int]:
    """Counters summed over several collections (``failed`` counts failed windows)."""
    names = (*COUNTERS, *SUMMARY_ONLY)
    out = {name: sum(getattr(s, name) for s in summaries) for name in names}
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
