"""The bookkeeping around one (area, item) collection: its advisory lock and its
``collection_runs`` row, from created (or started) to finished.

The lock is held for the whole collection, on a connection of its own (see
:mod:`app.services.locks`), so one (area, item) is collected by one collection at a time across
replicas. The row's counters are kept per window by whoever stores the windows, in each window's
transaction; this module only opens and closes the row.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.database import Database
from app.entsoe.areas import get_area
from app.entsoe.items import DataType
from app.repositories.runs import CollectionRunRepository, NewRun
from app.services.locks import COLLECTION_LOCKS, advisory_lock
from app.services.results import CollectionSummary, WindowFailure, status_of
from app.services.selection import request_type

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class ActiveRun:
    """A collection inside :func:`open_run`. ``acquired``: whether it holds the (area, item)
    lock; without it no window may be stored. ``summary`` is what the run reports: each stored
    or failed window is added to it (which sets ``aborted`` on a fatal failure)."""

    data_type: DataType
    run_id: int
    acquired: bool
    summary: CollectionSummary


@asynccontextmanager
async def open_run(
    database: Database,
    area: str,
    data_type: DataType | str,
    start: datetime,
    end: datetime,
    windows_planned: int,
    *,
    trigger: str,
    lock_wait: float,
    job: str | None = None,
    run_id: int | None = None,
    replan: Callable[[AsyncSession], Awaitable[int]] | None = None,
) -> AsyncIterator[ActiveRun]:
    """Take the (area, item) lock and open the ``collection_runs`` row for the block.

    ``data_type`` stands for its request's data type (:mod:`app.services.selection`): the lock, the
    row and the summary are the request's. Waits up to ``lock_wait`` seconds for the lock (0: tries
    once); without it the run is recorded ``skipped`` and the block must store nothing. With the
    lock, ``replan`` (if given) runs in the transaction that opens the row and answers how many
    windows are still to do, which replaces ``windows_planned``: the collection that held the lock
    may have done some meanwhile. The row is created, or ``run_id``'s pre-created one is started. On
    leaving, the run is finished with the status its windows give
    (:func:`app.services.results.status_of`); a cancelled block is recorded ``failed`` (the
    cancellation in the row's errors, not in the summary's: no window failed) and the cancellation
    goes on.
    """
    code = get_area(area).code
    dt = request_type(data_type)  # one lock and run row per request, whichever item was asked
    summary = CollectionSummary(code, dt.value, start, end, windows_planned=windows_planned)
    began = time.monotonic()
    lock = advisory_lock(database.engine, COLLECTION_LOCKS, f"{code}:{dt}", wait=lock_wait)
    ran = False
    try:
        async with lock as acquired:
            now = datetime.now(UTC)
            async with database.session() as session:  # one transaction: replan, create/start
                if acquired and replan is not None:
                    windows_planned = summary.windows_planned = await replan(session)
                runs = CollectionRunRepository(session)
                if run_id is None:
                    new = NewRun(
                        trigger, code, dt.value, start, end, job=job,
                        status="running" if acquired else "skipped",
                        windows_planned=windows_planned,
                    )  # fmt: skip
                    (run_id,) = await runs.create([new], started_at=now)
                elif acquired:
                    await runs.start(run_id, windows_planned=windows_planned, started_at=now)
            summary.run_id = run_id
            run = ActiveRun(dt, run_id, acquired, summary)
            if not acquired:
                summary.status = "skipped"
                log.info("collect.skipped_locked", area=code, data_type=dt.value, trigger=trigger)
                yield run
                await _finish(database, summary, began)
                return
            try:
                yield run
            except asyncio.CancelledError:
                cancelled = WindowFailure(start, end, "Cancelled", "collection cancelled")
                summary.status = "failed"
                await _finish(database, summary, began, error=cancelled)
                raise
            ran = True
    except Exception as exc:
        if not ran:
            raise
        # Only the unlock failed, on a connection that is gone (the database went away), and
        # PostgreSQL drops a session's locks with it: the windows' outcome stands.
        log.warning(
            "collect.unlock_failed", area=code, data_type=dt.value, error=type(exc).__name__
        )
    summary.status = status_of(summary)
    await _finish(database, summary, began)
    log.info("collect.finished", **{k: v for k, v in summary.as_dict().items() if k != "errors"})


async def _finish(
    database: Database,
    summary: CollectionSummary,
    began: float,
    *,
    error: WindowFailure | None = None,
) -> None:
    summary.duration_s = time.monotonic() - began
    if summary.run_id is None:
        return
    try:
        async with database.session() as session:
            await CollectionRunRepository(session).finish(
                summary.run_id,
                status=summary.status,
                finished_at=datetime.now(UTC),
                duration_s=summary.duration_s,
                error=error.as_dict() if error is not None else None,
            )
    except Exception as exc:  # the database itself may be what failed
        log.warning("collect.run_update_failed", run_id=summary.run_id, error=type(exc).__name__)
