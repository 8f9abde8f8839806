"""Backfills that share a database: two at once of the same pairs fetch each window once; what
the sandbox answered finishes nothing for ENTSO-E (backfill windows and empty gaps are kept per
data source)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from app.db.database import Database
from app.entsoe.items import DataType
from app.sandbox import ManualClock, SandboxConfig, SandboxServer
from app.services.backfill import run_backfill
from app.services.collection import LIVE_SOURCE, SANDBOX_SOURCE, DataCollectionService
from app.services.healing import HealingService
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

# Seven windows per (area, item).
START, END = utc("2025-01-01T00:00"), utc("2025-07-01T00:00")
PAIRS = [("PT", DataType.ACTUAL), ("ES", DataType.ACTUAL)]

_SOURCES = """
SELECT array_agg(DISTINCT s.data_source) FROM energy_data_points p
JOIN energy_series s ON s.id = p.series_id
"""


async def test_two_concurrent_backfills_of_the_same_pairs_fetch_each_window_once(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    """The second waits for each pair's lock, then finds its windows finished: it skips them."""
    config = sandbox_config(slow_share=1.0, slow_seconds=0.05)
    sandbox = start_sandbox(config)
    one = service(fast_client(http, sandbox.base_url), db)
    two = service(fast_client(http, sandbox.base_url), db)
    planned = sum(len(one.plan(dt, START, END)) for _, dt in PAIRS)

    first, second = await asyncio.gather(
        run_backfill(one, PAIRS, START, END, concurrency=2, lock_wait=60),
        run_backfill(two, PAIRS, START, END, concurrency=2, lock_wait=60),
    )

    assert sandbox.counters["requests"] == planned == 2 * 7
    assert first.failures == second.failures == []
    assert first.totals()["windows"] + second.totals()["windows"] == planned
    assert first.totals()["skipped"] + second.totals()["skipped"] == planned
    assert first.not_run == second.not_run == []
    for area, dt in PAIRS:
        assert await stored(db, area, dt) == expected(config, area, dt, [(START, END)])
    # Each pair's runs say what each did: one planned the windows, the other nothing left.
    runs = await scalar(
        db,
        "SELECT array_agg(array[windows_planned, windows] ORDER BY area_code, windows_planned)"
        " FROM collection_runs WHERE status = 'succeeded'",
    )
    assert runs == [[0, 0], [7, 7], [0, 0], [7, 7]]


async def test_a_sandbox_backfill_finishes_no_window_for_entsoe(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    """A real backfill after a sandbox one fetches every window again and its rows replace the
    sandbox's; each source then skips what it finished itself."""
    config = sandbox_config()
    sandbox = start_sandbox(config)
    pair = PAIRS[0]
    sandboxed = service(fast_client(http, sandbox.base_url), db)
    real = DataCollectionService(fast_client(http, sandbox.base_url), db, data_source=LIVE_SOURCE)
    windows = len(real.plan(pair[1], START, END))
    want = expected(config, *pair, [(START, END)])

    first = await run_backfill(sandboxed, [pair], START, END)
    assert first.totals()["windows"] == windows and first.failures == []
    assert await scalar(db, _SOURCES) == [SANDBOX_SOURCE]

    second = await run_backfill(real, [pair], START, END)
    assert (second.skipped[pair], second.totals()["windows"]) == (0, windows)
    assert sandbox.counters["requests"] == 2 * windows
    assert second.totals()["updated"] == len(want)  # every sandbox row replaced
    assert await stored(db, *pair) == want
    assert await scalar(db, _SOURCES) == [LIVE_SOURCE]
    recorded = await scalar(
        db,
        "SELECT array_agg(data_source || ':' || n ORDER BY data_source) FROM"
        " (SELECT data_source, count(*) AS n FROM backfill_windows GROUP BY data_source) c",
    )
    assert recorded == [f"{LIVE_SOURCE}:{windows}", f"{SANDBOX_SOURCE}:{windows}"]

    for collector in (real, sandboxed):
        again = await run_backfill(collector, [pair], START, END)
        assert (again.skipped[pair], again.totals()["requests"]) == (windows, 0)
    assert sandbox.counters["requests"] == 2 * windows


async def test_empty_gaps_the_sandbox_remembered_are_asked_of_entsoe(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    clock = ManualClock(utc("2025-11-15T12:00"))
    config = sandbox_config(now=None, clock=clock, gap_share=0.02, revision_share=0.0)
    sandbox = start_sandbox(config)
    start, end = utc("2025-10-01T00:00"), utc("2025-11-01T00:00")
    sandboxed = service(fast_client(http, sandbox.base_url), db)
    real = DataCollectionService(fast_client(http, sandbox.base_url), db, data_source=LIVE_SOURCE)
    await sandboxed.collect(*PAIRS[0], start, end)

    first = await HealingService(sandboxed, db, clock=clock).heal(["PT"], [DataType.ACTUAL])
    gaps = first.still_empty
    assert gaps > 0 and first.filled == 0
    again = await HealingService(sandboxed, db, clock=clock).heal(["PT"], [DataType.ACTUAL])
    assert again.gaps_skipped_remembered == gaps and again.collections == []

    # What the sandbox answered empty, ENTSO-E is asked about all the same; then it is remembered
    # for ENTSO-E too.
    healed = await HealingService(real, db, clock=clock).heal(["PT"], [DataType.ACTUAL])
    assert healed.gaps_skipped_remembered == 0
    assert len(healed.collections) == healed.still_empty == gaps
    remembered = await scalar(
        db,
        "SELECT array_agg(data_source || ':' || n ORDER BY data_source) FROM"
        " (SELECT data_source, count(*) AS n FROM collection_empty_gaps GROUP BY data_source) c",
    )
    assert remembered == [f"{LIVE_SOURCE}:{gaps}", f"{SANDBOX_SOURCE}:{gaps}"]
    later = await HealingService(real, db, clock=clock).heal(["PT"], [DataType.ACTUAL])
    assert later.gaps_skipped_remembered == gaps and later.collections == []
