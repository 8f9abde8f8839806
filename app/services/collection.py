"""DataCollectionService: ENTSO-E -> processor -> repository, one transaction per window.

A window's points, its ``collection_runs`` counters and (in a backfill) its ``backfill_windows``
row commit together or not at all, so an interruption (Ctrl-C, kill -9, a database restart)
never leaves a window half stored nor recorded as done without its points. Points ENTSO-E sends
outside the requested range (it answers whole local days) are real data and are stored too.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

import structlog

from app.config import Settings
from app.db.database import Database
from app.entsoe.areas import get_area
from app.entsoe.client import EntsoeClient
from app.entsoe.errors import EntsoeError
from app.entsoe.items import DataType
from app.entsoe.processor import to_points
from app.exceptions import database_unavailable
from app.repositories.backfill_windows import BackfillWindowRepository, Interval
from app.repositories.points import PointsRepository
from app.repositories.runs import CollectionRunRepository, NewRun
from app.services.locks import COLLECTION_LOCKS, advisory_lock
from app.services.results import CollectionSummary, WindowError, WindowResult, status_of

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
    another one on the same area and item (any replica) before it is skipped.
    """

    def __init__(
        self,
        client: EntsoeClient,
        database: Database,
        *,
        data_source: str = LIVE_SOURCE,
        lock_wait: float = 30.0,
    ) -> None:
        self.client = client
        self.database = database
        self.data_source = data_source
        self.lock_wait = lock_wait

    def plan(self, data_type: DataType, start: datetime, end: datetime) -> list[Interval]:
        """The windows (one ENTSO-E request each, unless halved) that cover [start, end)."""
        return self.client.plan_windows(data_type, start, end)

    async def collect(
        self,
        area: str,
        data_type: DataType | str,
        start: datetime,
        end: datetime,
        *,
        trigger: str = "api",
        job: str | None = None,
        job_id: uuid.UUID | None = None,
        run_id: int | None = None,
        windows: Sequence[Interval] | None = None,
        record_until: datetime | None = None,
        lock_wait: float | None = None,
        on_window: Callable[[WindowResult], None] | None = None,
    ) -> CollectionSummary:
        """Fetch, process and store [start, end) window by window; never raises for a window.

        ``windows`` replaces the plan (a backfill passes only what is not done yet);
        ``record_until``: each finished window ending at or before it is written to
        ``backfill_windows`` in its transaction (later ones may still change, so a re-run
        fetches them again); ``run_id`` continues a pre-created ``collection_runs`` row.
        A rejected token stops the collection (every further window would fail the same way).
        """
        code = get_area(area).code
        dt = DataType(data_type)
        planned = list(windows) if windows is not None else self.plan(dt, start, end)
        summary = CollectionSummary(code, dt.value, start, end, windows_planned=len(planned))
        began = time.monotonic()
        wait = self.lock_wait if lock_wait is None else lock_wait
        engine = self.database.engine
        async with advisory_lock(engine, COLLECTION_LOCKS, f"{code}:{dt}", wait=wait) as acquired:
            now = datetime.now(UTC)
            async with self.database.session() as session:  # one transaction: create or start
                runs = CollectionRunRepository(session)
                if run_id is None:
                    new = NewRun(
                        trigger, code, dt.value, start, end, job_id=job_id, job=job,
                        status="running" if acquired else "skipped",
                        windows_planned=len(planned),
                    )  # fmt: skip
                    (run_id,) = await runs.create([new], started_at=now)
                elif acquired:
                    await runs.start(run_id, windows_planned=len(planned), started_at=now)
            summary.run_id = run_id
            if not acquired:
                summary.status = "skipped"
                log.info("collect.skipped_locked", area=code, data_type=dt.value, trigger=trigger)
                await self._finish(summary, began)
                return summary
            try:
                for window in planned:
                    record = record_until is not None and window[1] <= record_until
                    result = await self._window(code, dt, window, run_id, record)
                    summary.add(result)
                    if on_window is not None:
                        on_window(result)
                    if result.error is not None and result.error.error == "TokenRejectedError":
                        summary.aborted = True
                        break
            except asyncio.CancelledError:
                cancelled = WindowError(start, end, "Cancelled", "collection cancelled")
                summary.status = "failed"
                summary.errors.append(cancelled)
                await self._finish(summary, began, error=cancelled)
                raise
        summary.status = status_of(summary)
        await self._finish(summary, began)
        log.info(
            "collect.finished", **{k: v for k, v in summary.as_dict().items() if k != "errors"}
        )
        return summary

    async def _window(
        self, area_code: str, dt: DataType, window: Interval, run_id: int, record_backfill: bool
    ) -> WindowResult:
        start, end = window
        requests = 0
        try:
            fetched = await self.client.fetch(dt, get_area(area_code).eic, start, end)
            requests = fetched.requests
            points = [
                p for doc in fetched.documents for p in to_points(doc, data_source=self.data_source)
            ]
            async with self.database.session() as session:
                counts = await PointsRepository(session).upsert(points)
                if record_backfill:
                    await BackfillWindowRepository(session).record(
                        area_code,
                        dt.value,
                        window,
                        requests=requests,
                        points=len(points),
                        inserted=counts.inserted,
                        updated=counts.updated,
                        unchanged=counts.unchanged,
                        empty=not points,
                    )
                await CollectionRunRepository(session).add_window(
                    run_id,
                    requests=requests,
                    inserted=counts.inserted,
                    updated=counts.updated,
                    unchanged=counts.unchanged,
                    empty=not points,
                )
        except Exception as exc:  # a failing window is listed, the next one goes on
            outage = database_unavailable(exc)
            error = WindowError(start, end, type(exc).__name__, outage or str(exc))
            log.warning(
                "collect.window_failed",
                area=area_code,
                data_type=dt.value,
                start=start.isoformat(),
                end=end.isoformat(),
                error=error.error,
                message=error.message,
                # Expected failures (ENTSO-E, a database outage) need no traceback.
                exc_info=not isinstance(exc, EntsoeError) and outage is None,
            )
            await self._record_failure(run_id, requests, error)
            return WindowResult(area_code, dt.value, start, end, requests, error=error)
        log.debug(
            "collect.window_stored",
            area=area_code,
            data_type=dt.value,
            start=start.isoformat(),
            points=len(points),
            inserted=counts.inserted,
            updated=counts.updated,
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
        )

    async def _record_failure(self, run_id: int, requests: int, error: WindowError) -> None:
        try:
            async with self.database.session() as session:
                await CollectionRunRepository(session).add_window(
                    run_id, requests=requests, error=error.as_dict()
                )
        except Exception as exc:  # the database itself may be what failed
            log.warning("collect.run_update_failed", run_id=run_id, error=type(exc).__name__)

    async def _finish(
        self, summary: CollectionSummary, began: float, *, error: WindowError | None = None
    ) -> None:
        summary.duration_s = time.monotonic() - began
        if summary.run_id is None:
            return
        try:
            async with self.database.session() as session:
                await CollectionRunRepository(session).finish(
                    summary.run_id,
                    status=summary.status,
                    finished_at=datetime.now(UTC),
                    duration_s=summary.duration_s,
                    error=error.as_dict() if error is not None else None,
                )
        except Exception as exc:
            log.warning(
                "collect.run_update_failed", run_id=summary.run_id, error=type(exc).__name__
            )
