"""What a backfill guarantees per window: a rejected token stops it; a window's points, its
``backfill_windows`` row and its run counters commit together or not at all; a cancelled one is
recorded failed and releases its lock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.db.database import Database
from app.entsoe.items import DataType
from app.repositories.backfill_windows import BackfillWindowRepository
from app.repositories.runs import CollectionRunRepository
from app.sandbox import SandboxConfig, SandboxServer
from app.services.backfill import run_backfill
from app.services.locks import COLLECTION_LOCKS, advisory_lock
from tests.services.support import (
    expected,
    fast_client,
    sandbox_config,
    scalar,
    service,
    stored,
    utc,
)

pytestmark = pytest.mark.db

# Four windows per (area, item): 28 days, 28 days, 28 days, 6 days.
START, END = utc("2025-01-01T00:00"), utc("2025-04-01T00:00")


async def test_a_rejected_token_stops_the_collection_and_the_rest_of_the_backfill(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    sandbox = start_sandbox(sandbox_config())
    collector = service(fast_client(http, sandbox.base_url, token="revoked"), db)
    pairs = [("PT", DataType.ACTUAL), ("ES", DataType.ACTUAL), ("PT", DataType.DAY_AHEAD)]

    outcome = await run_backfill(collector, pairs, START, END, concurrency=1)

    # One request: neither the first pair's other windows nor the other pairs were asked.
    assert sandbox.counters["requests"] == sandbox.counters["unauthorized"] == 1
    assert list(outcome.summaries) == [pairs[0]]
    assert outcome.not_run == pairs[1:]
    summary = outcome.summaries[pairs[0]]
    assert (summary.status, summary.aborted) == ("failed", True)
    assert (summary.windows_planned, summary.windows, summary.failed_windows) == (4, 0, 1)
    [(_, _, failure)] = outcome.failures
    assert failure.fatal and failure.error == "TokenRejectedError"
    assert (failure.start, failure.end) == (START, utc("2025-01-29T00:00"))
    run = await scalar(
        db, "SELECT array[status, failed_windows::text, windows::text] FROM collection_runs"
    )
    assert run == ["failed", "1", "0"]
    assert await scalar(db, "SELECT count(*) FROM backfill_windows") == 0
    assert await scalar(db, "SELECT count(*) FROM energy_data_points") == 0


@pytest.mark.parametrize(
    ("repository", "method"),
    [(BackfillWindowRepository, "record"), (CollectionRunRepository, "add_window")],
)
async def test_a_window_whose_bookkeeping_fails_stores_none_of_its_points(
    repository: type,
    method: str,
    db: Database,
    http: httpx.AsyncClient,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second window's upsert runs, then recording it fails: its points roll back with it,
    it is counted failed, not done, and a re-run fetches exactly that window."""
    config = sandbox_config()
    sandbox = start_sandbox(config)
    collector = service(fast_client(http, sandbox.base_url), db)
    pair = ("PT", DataType.ACTUAL)
    windows = collector.plan(DataType.ACTUAL, START, END)
    original = getattr(repository, method)
    successes = 0

    async def fails_on_the_second_window(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal successes
        if kwargs.get("error") is None:  # a failed window's own bookkeeping goes through
            successes += 1
            if successes == 2:
                raise RuntimeError("disk full")
        await original(self, *args, **kwargs)

    monkeypatch.setattr(repository, method, fails_on_the_second_window)
    outcome = await run_backfill(collector, [pair], START, END)

    [(_, _, failure)] = outcome.failures
    assert (failure.start, failure.end) == windows[1]
    assert failure.error == "RuntimeError" and not failure.fatal
    others = [windows[0], *windows[2:]]
    rows = await stored(db, *pair)
    assert rows == expected(config, *pair, others) != expected(config, *pair, windows)
    recorded = await scalar(
        db, "SELECT array_agg(window_start ORDER BY window_start) FROM backfill_windows"
    )
    assert recorded == [w[0] for w in others]
    run = await scalar(
        db, "SELECT array[windows, failed_windows, inserted, requests] FROM collection_runs"
    )
    assert run == [3, 1, len(rows), 4]

    monkeypatch.setattr(repository, method, original)
    again = await run_backfill(collector, [pair], START, END)
    assert (again.skipped[pair], again.totals()["windows"], again.totals()["requests"]) == (3, 1, 1)
    assert await stored(db, *pair) == expected(config, *pair, windows)


async def test_a_run_without_the_lock_is_skipped_and_stores_nothing(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    sandbox = start_sandbox(sandbox_config())
    collector = service(fast_client(http, sandbox.base_url), db)
    window = collector.plan(DataType.ACTUAL, START, END)[0]
    async with advisory_lock(db.engine, COLLECTION_LOCKS, "PT:actual") as held:
        assert held
        async with collector.open_run(
            "PT", DataType.ACTUAL, START, END, 4, trigger="backfill", lock_wait=0
        ) as run:
            assert not run.acquired
            with pytest.raises(RuntimeError, match="lock"):
                await collector.store_window(run, window, record_backfill=True)
    assert run.summary.status == "skipped"
    assert await scalar(db, "SELECT status FROM collection_runs") == "skipped"
    assert sandbox.counters["requests"] == 0


async def test_a_cancelled_backfill_is_recorded_failed_and_releases_its_lock(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    sandbox = start_sandbox(sandbox_config(slow_share=1.0, slow_seconds=0.3))
    collector = service(fast_client(http, sandbox.base_url), db)
    task = asyncio.create_task(run_backfill(collector, [("PT", DataType.ACTUAL)], START, END))
    deadline = time.monotonic() + 30
    while await scalar(db, "SELECT count(*) FROM backfill_windows") == 0:
        assert time.monotonic() < deadline and not task.done()
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    done = int(await scalar(db, "SELECT count(*) FROM backfill_windows"))  # type: ignore[call-overload]
    row: Any = await scalar(
        db, "SELECT array[status, windows::text, errors->>-1] FROM collection_runs"
    )
    status, windows, last = row
    assert (status, int(windows)) == ("failed", done) and 0 < done < 4
    assert '"error": "Cancelled"' in last and '"message": "collection cancelled"' in last
    # The lock went with the cancelled collection: the next one need not wait.
    after = await collector.collect("PT", DataType.ACTUAL, START, END, lock_wait=0)
    assert after.status == "succeeded"
