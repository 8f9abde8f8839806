"""The status page's reads: stored points per time bucket, and the newest scheduler runs.

Two grouped statements, whatever the number of areas, items and months (never one per cell).
Takes an :class:`AsyncSession`; read-only, runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import status_sql as sql


@dataclass(frozen=True, slots=True)
class BucketCount:
    """Stored points of one series (area, data type, business type, production type) and stored
    resolution in one time bucket: ``bucket`` k holds [thresholds[k - 1], thresholds[k]);
    ``first``/``last`` are its first and last stored timestamps (UTC)."""

    area_code: str
    data_type: str
    business_type: str
    resolution: str
    bucket: int
    count: int
    first: datetime
    last: datetime
    psr_type: str = ""


@dataclass(frozen=True, slots=True)
class JobRun:
    """One row of ``scheduler_job_runs``: which instance ran which tick of a job, and how."""

    job: str
    tick: datetime
    instance: str
    status: str
    error: str | None
    started_at: datetime
    finished_at: datetime | None


class StatusRepository:
    """Grouped, read-only queries for the status page and ``energy-data-service status``."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def bucket_counts(self, thresholds: Sequence[datetime]) -> list[BucketCount]:
        """Points stored in [thresholds[0], thresholds[-1]) per area, item, business type,
        production type, stored resolution and bucket between consecutive ``thresholds``
        (aware, ascending).

        Ordered by area, data type, business type, production type, bucket, then the first
        timestamp, so the resolutions of a bucket with a resolution switch come in time order.
        """
        if len(thresholds) < 2:
            return []
        params = {
            "thresholds": list(thresholds),
            "since": thresholds[0],
            "until": thresholds[-1],
        }
        rows = await self.session.execute(text(sql.BUCKETED), params)
        return [BucketCount(*row) for row in rows]

    async def recent_runs(self, per_job: int) -> list[JobRun]:
        """The newest ``per_job`` ticks of every job that ever ran, newest start first."""
        rows = await self.session.execute(text(sql.RECENT_RUNS), {"per_job": per_job})
        return [JobRun(*row) for row in rows]
