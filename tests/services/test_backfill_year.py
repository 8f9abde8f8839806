"""One year, three areas (PT15M, PT60M, switching PT60M -> PT15M), the six load items, over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text

from app.db.database import Database
from app.entsoe.items import LOAD_TYPES
from app.sandbox import SandboxConfig, SandboxServer
from app.services.backfill import run_backfill
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

AREAS = ("FR", "PT", "CZ")  # quarter-hourly, hourly, switching on 2025-10-01
START, END = utc("2025-01-01T00:00"), utc("2026-01-01T00:00")


async def test_one_year_backfill_stores_exactly_what_the_sandbox_serves(
    db: Database,
    http: httpx.AsyncClient,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    config = sandbox_config()
    sandbox = start_sandbox(config)
    collector = service(fast_client(http, sandbox.base_url), db)
    pairs = [(area, dt) for dt in LOAD_TYPES for area in AREAS]

    first = await run_backfill(collector, pairs, START, END, concurrency=4)

    assert first.failures == []
    planned = sum(len(collector.plan(dt, START, END)) for _, dt in pairs)
    assert first.totals()["windows"] == planned == 3 * (14 + 14 + 4)
    assert first.totals()["requests"] == planned  # no fault, no halving: one request a window
    total = 0
    for area, dt in pairs:
        want = expected(config, area, dt, [(START, END)])
        got = await stored(db, area, dt)
        assert want, (area, dt)
        assert got == want, (area, dt, len(got), len(want))
        total += len(want)
    assert first.totals()["inserted"] == total
    resolutions = await _resolutions(db)
    assert resolutions["FR"] == {"PT15M"}
    assert resolutions["PT"] == {"PT60M"}
    assert resolutions["CZ"] == {"PT60M", "PT15M"}
    sources = await scalar(db, "SELECT array_agg(DISTINCT data_source) FROM energy_series")
    assert sources == ["entsoe-sandbox"]
    assert await scalar(db, "SELECT count(*) FROM backfill_windows") == planned

    # A re-run finds every window finished: nothing is fetched.
    requests_before = sandbox.counters["requests"]
    second = await run_backfill(collector, pairs, START, END, concurrency=4)
    assert second.totals()["windows"] == 0
    assert second.totals()["skipped"] == planned
    assert sandbox.counters["requests"] == requests_before

    # Fetching everything again (as if nothing were recorded) writes nothing.
    await _forget_backfill(db)
    third = await run_backfill(collector, pairs, START, END, concurrency=4)
    assert third.failures == []
    assert third.totals()["windows"] == planned
    assert (third.totals()["inserted"], third.totals()["updated"]) == (0, 0)
    assert third.totals()["unchanged"] >= total
    assert await scalar(db, "SELECT count(*) FROM energy_data_points") == total


async def _resolutions(db: Database) -> dict[str, set[str]]:
    query = text(
        "SELECT p.area_code, array_agg(DISTINCT s.resolution) FROM energy_data_points p"
        " JOIN energy_series s ON s.id = p.series_id"
        " WHERE p.data_type IN ('actual', 'day_ahead') GROUP BY p.area_code"
    )
    async with db.session() as session:
        return {row[0]: set(row[1]) for row in await session.execute(query)}


async def _forget_backfill(db: Database) -> None:
    async with db.session() as session:
        await session.execute(text("DELETE FROM backfill_windows"))
