"""The collection jobs inside the service (APScheduler 3, AsyncIOScheduler), safe with replicas.

Jobs: actual load and generation every 15 minutes, day-ahead load hourly, week- and month-ahead
daily, year-ahead and the margin weekly; the generation forecast and the day-ahead and intraday wind
and solar forecasts hourly, the current one every 15 minutes; installed capacity weekly (a year's
values are published shortly before it starts, often late, and revised: each run asks for the
newest stored year and the next); gap healing hourly. Each has one instance at most, coalesced,
with a misfire grace. Ticks are aligned to the Unix epoch plus an offset, so every replica computes
the same tick times.
Every job also runs once shortly after start (the catch-up). Running a tick takes two steps in
PostgreSQL:

1. ``pg_try_advisory_lock`` for the job on a dedicated connection: a replica that finds the job
   running elsewhere skips (no two replicas run one job at the same time);
2. claiming ``(job, tick)`` in ``scheduler_job_runs``: a replica that comes after the tick was run
   (the lock is free again) skips too, so each tick runs once.

A failing job logs ``scheduler.job_failed``; the next tick runs as usual.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.db.database import Database
from app.domain.timegrid import EPOCH
from app.entsoe.items import DataType
from app.exceptions import CollectionIncompleteError
from app.repositories.runs import SchedulerRunRepository
from app.services.healing import HealingService
from app.services.locks import JOB_LOCKS, advisory_lock
from app.services.selection import request_types

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """Runs at ``EPOCH + offset + k * every``; ``data_type`` None is the healing job."""

    name: str
    every: timedelta
    offset: timedelta
    data_type: DataType | None = None

    def tick(self, now: datetime) -> datetime:
        """The tick a run starting at ``now`` belongs to (the latest one at or before it)."""
        origin = EPOCH + self.offset
        return origin + self.every * ((now - origin) // self.every)

    def trigger(self) -> BaseTrigger:
        return IntervalTrigger(seconds=self.every.total_seconds(), start_date=EPOCH + self.offset)


_M, _H, _D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
# Offsets spread the jobs over the hour/day so they do not all start at once.
DEFAULT_JOBS: tuple[JobSpec, ...] = (
    JobSpec("collect.actual", 15 * _M, 2 * _M, DataType.ACTUAL),
    JobSpec("collect.generation", 15 * _M, 9 * _M, DataType.GENERATION),
    JobSpec("collect.wind_solar_current", 15 * _M, 12 * _M, DataType.WIND_SOLAR_CURRENT),
    JobSpec("collect.generation_forecast", _H, 11 * _M, DataType.GENERATION_FORECAST),
    JobSpec("collect.wind_solar_day_ahead", _H, 14 * _M, DataType.WIND_SOLAR_DAY_AHEAD),
    JobSpec("collect.wind_solar_intraday", _H, 17 * _M, DataType.WIND_SOLAR_INTRADAY),
    JobSpec("collect.installed_capacity", 7 * _D, 6 * _H + 41 * _M, DataType.INSTALLED_CAPACITY),
    JobSpec("collect.day_ahead", _H, 7 * _M, DataType.DAY_AHEAD),
    JobSpec("collect.week_ahead", _D, 5 * _H + 11 * _M, DataType.WEEK_AHEAD),
    JobSpec("collect.month_ahead", _D, 5 * _H + 23 * _M, DataType.MONTH_AHEAD),
    JobSpec("collect.year_ahead", 7 * _D, 6 * _H + 13 * _M, DataType.YEAR_AHEAD),
    JobSpec("collect.forecast_margin", 7 * _D, 6 * _H + 29 * _M, DataType.FORECAST_MARGIN),
    JobSpec("heal", _H, 37 * _M),
)


def default_instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class CollectionScheduler:
    """Owns the AsyncIOScheduler; :meth:`start` in the app's lifespan, :meth:`shutdown` at exit.

    ``history`` lists (job, tick, outcome) of every tick this instance saw, in order;
    ``on_run(job, outcome, seconds)`` hears of each as it ends (metrics).
    """

    def __init__(
        self,
        healing: HealingService,
        database: Database,
        *,
        areas: Sequence[str],
        data_types: Sequence[DataType],
        misfire_grace: timedelta = timedelta(minutes=5),
        jobs: Sequence[JobSpec] = DEFAULT_JOBS,
        instance: str | None = None,
        catch_up_delay: timedelta | None = timedelta(seconds=5),
        on_run: Callable[[str, str, float], object] | None = None,
        max_concurrent_jobs: int = 2,
    ) -> None:
        self.on_run = on_run
        self.healing = healing
        self.database = database
        self.areas = list(areas)
        self.data_types = list(data_types)
        self.instance = instance or default_instance_id()
        # A job per request: generation_consumption configured alone is collected by generation's.
        requested = request_types(self.data_types)
        self.jobs = [j for j in jobs if j.data_type is None or j.data_type in requested]
        self.misfire_grace = misfire_grace
        self.catch_up_delay = catch_up_delay
        self.history: list[tuple[str, datetime, str]] = []
        self._running: set[asyncio.Task[object]] = set()
        # Thirteen jobs' catch-up runs start together; each holds a connection for its lock and
        # one per area collection. Beyond these slots a job waits holding nothing, so the pool
        # (and the API's share of it) is never exhausted by the scheduler.
        self._slots = asyncio.Semaphore(max_concurrent_jobs)
        self.scheduler = AsyncIOScheduler(timezone=UTC)

    def start(self) -> None:
        for spec in self.jobs:
            # A run later than half a period would belong to the next tick: cap the grace there.
            grace = min(self.misfire_grace, spec.every / 2)
            self.scheduler.add_job(
                self.run_job,
                spec.trigger(),
                args=[spec],
                id=spec.name,
                name=spec.name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=max(1, int(grace.total_seconds())),
                replace_existing=True,
            )
            if self.catch_up_delay is None:
                continue
            # Catch up once at start: a weekly job must not wait a week after a deploy. The run
            # claims the current tick, so it does nothing if this tick already ran somewhere.
            self.scheduler.add_job(
                self.run_job,
                "date",
                run_date=datetime.now(UTC) + self.catch_up_delay,
                args=[spec],
                id=f"{spec.name}.catch_up",
                name=f"{spec.name} (catch-up)",
                misfire_grace_time=None,
                replace_existing=True,
            )
        self.scheduler.start()
        log.info("scheduler.started", instance=self.instance, jobs=[j.name for j in self.jobs])

    async def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in list(self._running):
            task.cancel()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        log.info("scheduler.stopped", instance=self.instance)

    async def run_job(self, spec: JobSpec, now: datetime | None = None) -> str:
        """One tick of one job: ``ran``, ``failed``, ``skipped_running`` or ``skipped_done``."""
        tick = spec.tick(now or datetime.now(UTC))
        started = time.monotonic()
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            async with self._slots:
                outcome = await self._run_locked(spec, tick)
        except Exception as exc:  # e.g. the database is down: this tick fails, the next one runs
            error = f"{type(exc).__name__}: {exc}"
            log.error("scheduler.job_failed", job=spec.name, tick=tick.isoformat(), error=error)
            outcome = "failed"
        finally:
            if task is not None:
                self._running.discard(task)
        self.history.append((spec.name, tick, outcome))
        if self.on_run is not None:
            self.on_run(spec.name, outcome, time.monotonic() - started)
        return outcome

    async def _run_locked(self, spec: JobSpec, tick: datetime) -> str:
        engine = self.database.engine
        async with advisory_lock(engine, JOB_LOCKS, spec.name) as acquired:
            if not acquired:
                log.info(
                    "scheduler.job_skipped", job=spec.name, tick=tick.isoformat(), why="running"
                )
                return "skipped_running"
            async with self.database.session() as session:
                claimed = await SchedulerRunRepository(session).claim(
                    spec.name, tick, self.instance
                )
            if not claimed:
                log.info("scheduler.job_skipped", job=spec.name, tick=tick.isoformat(), why="done")
                return "skipped_done"
            status, error = "succeeded", None
            try:
                await self._work(spec)
            except Exception as exc:  # the scheduler goes on; the next tick runs as usual
                status, error = "failed", f"{type(exc).__name__}: {exc}"
                log.error("scheduler.job_failed", job=spec.name, tick=tick.isoformat(), error=error)
            async with self.database.session() as session:
                await SchedulerRunRepository(session).finish(
                    spec.name, tick, status=status, error=error
                )
            log.info("scheduler.job_finished", job=spec.name, tick=tick.isoformat(), status=status)
            return "ran" if status == "succeeded" else "failed"

    async def _work(self, spec: JobSpec) -> None:
        """Run the job; raise when a collection in it failed, so the tick is recorded failed."""
        if spec.data_type is None:
            summaries = (
                await self.healing.heal(self.areas, self.data_types, job=spec.name)
            ).collections
        else:
            summaries = await self.healing.collect_current(
                spec.data_type, self.areas, job=spec.name
            )
        failed = [s for s in summaries if s.status in ("failed", "partial")]
        if failed:
            first = next((s.errors[0].message for s in failed if s.errors), "")
            names = ", ".join(f"{s.area_code} {s.data_type} {s.status}" for s in failed)
            raise CollectionIncompleteError(f"{names}; first error: {first}")
