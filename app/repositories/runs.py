"""Run bookkeeping: ``collection_runs`` (one row per (area, item) collection, counters kept
per window) and ``scheduler_job_runs`` (which replica ran which tick of which job).

Both take an :class:`AsyncSession` and never commit: the caller's transaction decides, so a
window's counters commit with its points. Counters are incremented in SQL, one statement each.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import collection_runs, scheduler_job_runs


@dataclass(frozen=True, slots=True)
class NewRun:
    """A collection about to start: who asked (``trigger``: api, scheduler, backfill) and what."""

    trigger: str
    area_code: str
    data_type: str
    range_start: datetime
    range_end: datetime
    job_id: uuid.UUID | None = None
    job: str | None = None
    status: str = "pending"
    windows_planned: int = 0


class CollectionRunRepository:
    """``collection_runs``: one row per (area, item) collection, counters kept per window."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(
        self, runs: Sequence[NewRun], *, started_at: datetime | None = None
    ) -> list[int]:
        """Insert the runs (one statement) and return their ids in the same order."""
        if not runs:
            return []
        rows = [
            {
                "trigger": r.trigger,
                "job": r.job,
                "job_id": r.job_id,
                "area_code": r.area_code,
                "data_type": r.data_type,
                "range_start": r.range_start,
                "range_end": r.range_end,
                "status": r.status,
                "windows_planned": r.windows_planned,
                "started_at": started_at,
            }
            for r in runs
        ]
        result = await self.session.execute(
            insert(collection_runs).returning(collection_runs.c.id, sort_by_parameter_order=True),
            rows,
        )
        return [int(row[0]) for row in result]

    async def start(self, run_id: int, *, windows_planned: int, started_at: datetime) -> None:
        await self.session.execute(
            update(collection_runs)
            .where(collection_runs.c.id == run_id)
            .values(status="running", windows_planned=windows_planned, started_at=started_at)
        )

    async def add_window(
        self,
        run_id: int,
        *,
        requests: int,
        inserted: int = 0,
        updated: int = 0,
        unchanged: int = 0,
        empty: bool = False,
        error: dict[str, Any] | None = None,
    ) -> None:
        """Add one window's counts; a window with ``error`` counts as failed, not as done."""
        c = collection_runs.c
        values: dict[str, Any] = {"requests": c.requests + requests}
        if error is None:
            values.update(
                windows=c.windows + 1,
                inserted=c.inserted + inserted,
                updated=c.updated + updated,
                unchanged=c.unchanged + unchanged,
                empty_windows=c.empty_windows + int(empty),
            )
        else:
            values.update(
                failed_windows=c.failed_windows + 1,
                errors=c.errors.op("||")(func.jsonb_build_array(literal(error, JSONB))),
            )
        await self.session.execute(update(collection_runs).where(c.id == run_id).values(values))

    async def finish(
        self,
        run_id: int,
        *,
        status: str,
        finished_at: datetime,
        duration_s: float,
        error: dict[str, Any] | None = None,
    ) -> None:
        c = collection_runs.c
        values: dict[str, Any] = {
            "status": status,
            "finished_at": finished_at,
            "duration_s": duration_s,
        }
        if error is not None:
            values["errors"] = c.errors.op("||")(func.jsonb_build_array(literal(error, JSONB)))
        await self.session.execute(update(collection_runs).where(c.id == run_id).values(values))

    async def for_job(self, job_id: uuid.UUID) -> list[dict[str, Any]]:
        """Every run of one POST /collect-data job, in creation order."""
        result = await self.session.execute(
            select(collection_runs)
            .where(collection_runs.c.job_id == job_id)
            .order_by(collection_runs.c.id)
        )
        return [dict(row._mapping) for row in result]


class SchedulerRunRepository:
    """``scheduler_job_runs``: the replica that inserts (job, tick) first runs that tick."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, job: str, tick: datetime, instance: str) -> bool:
        stmt = (
            pg_insert(scheduler_job_runs)
            .values(job=job, tick=tick, instance=instance, status="running")
            .on_conflict_do_nothing(index_elements=["job", "tick"])
            .returning(scheduler_job_runs.c.job)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def finish(self, job: str, tick: datetime, *, status: str, error: str | None) -> None:
        t = scheduler_job_runs.c
        await self.session.execute(
            update(scheduler_job_runs)
            .where(t.job == job, t.tick == tick)
            .values(status=status, error=error, finished_at=func.now())
        )
