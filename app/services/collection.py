"""DataCollectionService: ENTSO-E -> processor -> repository, one transaction per window.

A window's points, its ``collection_runs`` counters and (in a backfill) its ``backfill_windows``
row commit together or not at all, so an interruption (Ctrl-C, kill -9, a database restart)
never leaves a window half stored nor recorded as done without its points. Points ENTSO-E sends
outside the requested range (it answers whole local days) are real data and are stored too.

:meth:`DataCollectionService.collect` is one (area, item, range) collection. Other loops over
windows (a backfill) use its pieces: :meth:`~DataCollectionService.open_run` (the lock and the
``collection_runs`` row) and :meth:`~DataCollectionService.store_window` (one window).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from urllib.parse import urlsplit

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db.database import Database
from app.domain.points import ProcessedPoints
from app.entsoe.areas import get_area
from app.entsoe.client import EntsoeClient
from app.entsoe.errors import EntsoeError
from app.entsoe.items import DataType
from app.entsoe.processor import extract
from app.repositories.backfill_windows import BackfillWindowRepository, Interval
from app.repositories.points import PointsRepository
from app.repositories.runs import CollectionRunRepository
from app.services.results import CollectionSummary, WindowFailure, WindowResult
from app.services.runs import ActiveRun, open_run
from app.services.selection import request_type

log = structlog.get_logger(__name__)

LIVE_SOURCE = "entsoe"
SANDBOX_SOURCE = "entsoe-sandbox"


def data_source_for(settings: Settings) -> str:
    """The source stamped on stored rows (``COLLECTION__DATA_SOURCE``, default ``auto``).

    ``auto`` says ``entsoe`` only for ENTSO-E's own hosts (``*.entsoe.eu``) with a token other
    than the sandbox's; anything else (loopback, a compose service name, a test host) is the
    sandbox. Erring this way keeps sandbox rows from ever passing for real ones.
    """
    chosen = settings.collection.data_source
    if chosen != "auto":
        return chosen
    token = settings.entsoe.api_token
    if token is not None and token.get_secret_value() == "sandbox":
        return SANDBOX_SOURCE
    host = (urlsplit(settings.entsoe.base_url).hostname or "").lower()
    return LIVE_SOURCE if host == "entsoe.eu" or host.endswith(".entsoe.eu") else SANDBOX_SOURCE


class DataCollectionService:
    """Collects (area, item, range) from ENTSO-E into the database.

    ``data_source`` is stamped on every stored row: ``entsoe`` for the real API,
    ``entsoe-sandbox`` for the offline sandbox. ``lock_wait``: seconds a collection waits for
    another one on the same area and item (any replica) before it is skipped. ``on_window`` hears
    of every window's result (metrics); it must return at once and never raise.
    """

    def __init__(
        self,
        client: EntsoeClient,
        database: Database,
        *,
        data_source: str = LIVE_SOURCE,
        lock_wait: float = 30.0,
        on_window: Callable[[WindowResult], object] | None = None,
    ) -> None:
        self.on_window = on_window
        self.client = client
        self.database = database
        self.data_source = data_source
        self.lock_wait = lock_wait

    def plan(self, data_type: DataType, start: datetime, end: datetime) -> list[Interval]:
        """The windows (one ENTSO-E request each, unless halved) that cover [start, end)."""
        return self.client.plan_windows(request_type(data_type), start, end)

    async def collect(
        self,
        area: str,
        data_type: DataType | str,
        start: datetime,
        end: datetime,
        *,
        trigger: str = "api",
        job: str | None = None,
        run_id: int | None = None,
        lock_wait: float | None = None,
    ) -> CollectionSummary:
        """Fetch, process and store [start, end) window by window; never raises for a window.

        A data type fetched with another (:mod:`app.services.selection`) collects that one's
        request, which stores both. ``run_id`` continues a pre-created ``collection_runs`` row;
        ``lock_wait`` overrides the service's. A rejected token stops the collection (every further
        window would fail).
        """
        dt = request_type(data_type)  # generation_consumption comes with generation's request
        windows = self.plan(dt, start, end)
        async with self.open_run(
            area, dt, start, end, len(windows),
            trigger=trigger, job=job, run_id=run_id, lock_wait=lock_wait,
        ) as run:  # fmt: skip
            if run.acquired:
                for window in windows:
                    await self.store_window(run, window)
                    if run.summary.aborted:
                        break
        return run.summary

    def open_run(
        self,
        area: str,
        data_type: DataType | str,
        start: datetime,
        end: datetime,
        windows_planned: int,
        *,
        trigger: str,
        job: str | None = None,
        run_id: int | None = None,
        lock_wait: float | None = None,
        replan: Callable[[AsyncSession], Awaitable[int]] | None = None,
    ) -> AbstractAsyncContextManager[ActiveRun]:
        """The (area, item) lock and ``collection_runs`` row for a block that stores windows
        with :meth:`store_window` (see :func:`app.services.runs.open_run`, also for
        ``replan``); ``lock_wait`` overrides the service's."""
        return open_run(
            self.database, area, data_type, start, end, windows_planned,
            trigger=trigger, job=job, run_id=run_id,
            lock_wait=self.lock_wait if lock_wait is None else lock_wait, replan=replan,
        )  # fmt: skip

    async def store_window(
        self, run: ActiveRun, window: Interval, *, record_backfill: bool = False
    ) -> WindowResult:
        """Fetch, process and store one window of ``run``; a failure is returned, not raised.

        The points, the run's counters and (``record_backfill``) the window's
        ``backfill_windows`` row (under the service's ``data_source``) commit in one
        transaction. The result is added to ``run.summary``; a fatal failure (rejected token)
        sets ``run.summary.aborted``.
        """
        if not run.acquired:
            raise RuntimeError("store_window needs the (area, item) lock: check run.acquired")
        result = await self._window(run, window, record_backfill)
        run.summary.add(result)
        if self.on_window is not None:
            self.on_window(result)
        return result

    async def _window(
        self, run: ActiveRun, window: Interval, record_backfill: bool
    ) -> WindowResult:
        area_code, dt = run.summary.area_code, run.data_type
        start, end = window
        requests = 0
        try:
            fetched = await self.client.fetch(dt, get_area(area_code).eic, start, end)
            requests = fetched.requests
            found = ProcessedPoints.concat(
                extract(doc, data_source=self.data_source) for doc in fetched.documents
            )
            points = found.points
            async with self.database.session() as session:
                counts = await PointsRepository(session).upsert(points, found.covered)
                if record_backfill:
                    await BackfillWindowRepository(session).record(
                        area_code,
                        dt.value,
                        window,
                        data_source=self.data_source,
                        requests=requests,
                        points=len(points),
                        inserted=counts.inserted,
                        updated=counts.updated,
                        unchanged=counts.unchanged,
                        empty=not points,
                    )
                await CollectionRunRepository(session).add_window(
                    run.run_id,
                    requests=requests,
                    inserted=counts.inserted,
                    updated=counts.updated,
                    unchanged=counts.unchanged,
                    empty=not points,
                )
        except Exception as exc:  # a failing window is listed, the next one goes on
            failure = WindowFailure.of(start, end, exc)
            log.warning(
                "collect.window_failed",
                area=area_code,
                data_type=dt.value,
                start=start.isoformat(),
                end=end.isoformat(),
                error=failure.error,
                message=failure.message,
            )
            if not isinstance(exc, EntsoeError) and not failure.outage:
                # Unexpected: its traceback, for a debugging operator only.
                log.debug("collect.window_failed_traceback", error=failure.error, exc_info=exc)
            await self._record_failure(run.run_id, requests, failure)
            return WindowResult(area_code, dt.value, start, end, requests, failure=failure)
        log.debug(
            "collect.window_stored",
            area=area_code,
            data_type=dt.value,
            start=start.isoformat(),
            points=len(points),
            inserted=counts.inserted,
            updated=counts.updated,
            deleted=counts.deleted,
            rejected=found.rejected,
        )
        return WindowResult(
            area_code,
            dt.value,
            start,
            end,
            requests,
            len(points),
            counts.inserted,
            counts.updated,
            counts.unchanged,
            empty=not points,
            rejected=found.rejected,
            deleted=counts.deleted,
        )

    async def _record_failure(self, run_id: int, requests: int, failure: WindowFailure) -> None:
        try:
            async with self.database.session() as session:
                await CollectionRunRepository(session).add_window(
                    run_id, requests=requests, error=failure.as_dict()
                )
        except Exception as exc:  # the database itself may be what failed
            log.warning("collect.run_update_failed", run_id=run_id, error=type(exc).__name__)
