"""``serve --sandbox``: a history worth querying, loaded from the sandbox in the background.

Actual and day-ahead load of the configured areas (``ENTSOE__AREAS``, default DE_LU, FR, NL) from
:data:`HISTORY_START` (local midnight; the README's examples ask for 2024) up to what is
published now, actual generation per production type and the wind/solar day-ahead forecast of
January 2024, and the installed capacity of 2024, through the resumable backfill
(:func:`app.services.backfill.run_backfill`): the first start fetches it (3 areas: about 800,000
points in 10 to 20 seconds on a 2-core machine),
later starts only the windows not finished before (the last two days), so the history reaches
now and the scheduler keeps it current. The API answers meanwhile; the log says how far it got.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, date, datetime
from typing import Any

import structlog
from fastapi import FastAPI

from app.config import Settings
from app.entsoe.areas import Area, get_area
from app.entsoe.items import DataType
from app.services.backfill import run_backfill
from app.services.collection import DataCollectionService
from app.services.publication import published_until
from app.services.results import WindowResult

log = structlog.get_logger(__name__)

HISTORY_START = date(2024, 1, 1)
HISTORY_TYPES = (DataType.ACTUAL, DataType.DAY_AHEAD)
# Generation per production type is twenty series an area: one month of it (the README's
# generation examples ask for January 2024) and the installed capacity of 2024.
GENERATION_TYPES = (DataType.GENERATION, DataType.WIND_SOLAR_DAY_AHEAD)
GENERATION_END = date(2024, 2, 1)
CAPACITY_END = date(2025, 1, 1)
_PROGRESS_EVERY = 2.0  # seconds between progress lines


class _Progress:
    def __init__(self) -> None:
        self.planned = self.done = self.points = self.failed = 0
        self.started = self._last = time.monotonic()

    def plan(self, windows: int) -> None:
        self.planned += windows

    def window(self, result: WindowResult) -> None:
        self.done += 1
        self.points += result.points
        self.failed += result.failure is not None
        now = time.monotonic()
        if now - self._last >= _PROGRESS_EVERY:
            self._last = now
            log.info(
                "sandbox.history_progress",
                windows=f"{self.done}/{self.planned}",
                points=self.points,
                elapsed_s=round(now - self.started, 1),
            )


async def load_history(
    service: DataCollectionService, settings: Settings, now: datetime | None = None
) -> None:
    """Backfill :data:`HISTORY_TYPES` of the configured areas from :data:`HISTORY_START` to
    what is published by ``now`` (the generation items to their fixed ends); windows finished
    by an earlier start are skipped."""
    now = now or datetime.now(UTC)
    areas = [get_area(a) for a in settings.entsoe.areas]
    if not areas:
        return
    start = _utc(HISTORY_START, areas, first=True)
    plan = [(t, max(published_until(t, a.code, now) for a in areas)) for t in HISTORY_TYPES]
    plan += [(t, _utc(GENERATION_END, areas)) for t in GENERATION_TYPES]
    plan.append((DataType.INSTALLED_CAPACITY, _utc(CAPACITY_END, areas)))
    progress = _Progress()
    log.info(
        "sandbox.history_loading",
        areas=[a.code for a in areas],
        data_types=[t.value for t, _ in plan],
        start=start.isoformat(),
    )
    skipped = 0
    for data_type, end in plan:
        outcome = await run_backfill(
            service,
            [(a.code, data_type) for a in areas],
            start,
            end,
            concurrency=settings.collection.backfill_concurrency,
            record_until=now - settings.collection.actual_lookback,
            lock_wait=settings.collection.lock_wait,
            on_plan=progress.plan,
            on_window=progress.window,
        )
        skipped += sum(outcome.skipped.values())
    log.info(
        "sandbox.history_loaded",
        windows=progress.done,
        skipped_windows=skipped,
        points=progress.points,
        failed_windows=progress.failed,
        duration_s=round(time.monotonic() - progress.started, 2),
    )


def _utc(day: date, areas: list[Area], *, first: bool = False) -> datetime:
    """Local midnight of ``day`` in the areas' zones: the earliest (``first``) or the latest."""
    moments = [datetime(day.year, day.month, day.day, tzinfo=a.zone) for a in areas]
    return (min(moments) if first else max(moments)).astimezone(UTC)


def with_history(app: FastAPI, settings: Settings) -> None:
    """Run :func:`load_history` in the background once ``app`` has started (its database is
    open and migrated); it is cancelled when the app stops. A failure is logged, not raised:
    the service runs on without the history."""
    inner: Callable[[FastAPI], Any] = app.router.lifespan_context

    async def guarded() -> None:
        try:
            service = await app.state.container.collection_service.async_()
            await load_history(service, settings)
        except Exception as exc:
            log.error("sandbox.history_failed", error=f"{type(exc).__name__}: {exc}")

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[Any]:
        async with inner(app_) as state:
            task = asyncio.create_task(guarded(), name="sandbox-history")
            try:
                yield state
            finally:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan
