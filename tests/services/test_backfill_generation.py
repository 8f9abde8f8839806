"""One year, two areas, every generation item from the sandbox over loopback HTTP: every point
stored once per production type, a re-run fetches nothing, fetching again writes nothing."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import text

from app.db.database import Database
from app.entsoe.items import GENERATION_TYPES
from app.sandbox import SandboxConfig, SandboxServer
from app.services.backfill import run_backfill
from app.services.selection import request_types
from tests.services.support import (
    expected_series,
    fast_client,
    sandbox_config,
    scalar,
    service,
    stored_series,
    utc,
)

pytestmark = pytest.mark.db

AREAS = ("FR", "CZ")  # quarter-hourly, and switching PT60M -> PT15M; both pump (B10 out)
START, END = utc("2025-01-01T00:00"), utc("2026-01-01T00:00")


async def test_a_year_of_every_generation_item_is_stored_once(
    db: Database,
    http: httpx.AsyncClient,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    config = sandbox_config()
    sandbox = start_sandbox(config)
    collector = service(fast_client(http, sandbox.base_url), db)
    pairs = [(area, dt) for dt in GENERATION_TYPES for area in AREAS]

    first = await run_backfill(collector, pairs, START, END, concurrency=4)

    assert first.failures == []
    requests = request_types(GENERATION_TYPES)
    assert len(requests) == 6  # consumption comes with generation, the consumption forecast
    assert first.pairs == [(a, dt) for dt in requests for a in AREAS]  # with the generation one
    planned = sum(len(collector.plan(dt, START, END)) for _, dt in first.pairs)
    # four-week windows (14 a year) for the time series, one year for installed capacity
    assert planned == len(AREAS) * (5 * 14 + 1)
    assert first.totals()["windows"] == planned
    assert first.totals()["requests"] == planned == sandbox.counters["requests"]
    total = 0
    for area in AREAS:
        for dt in GENERATION_TYPES:
            want = expected_series(config, area, dt, [(START, END)])
            got = await stored_series(db, area, dt)
            assert want, (area, dt)
            assert got == want, (area, dt, len(got), len(want))
            total += len(want)
        # per production type: the sandbox's set for the area, wind and solar in A69
        types = {k[2] for k in await stored_series(db, area, "wind_solar_day_ahead")}
        assert types and types <= {"B16", "B18", "B19"}
        assert len({k[2] for k in await stored_series(db, area, "generation")}) > 3
    assert first.totals()["inserted"] == total
    assert await scalar(db, "SELECT count(*) FROM energy_data_points") == total
    # the bookkeeping is per request data type
    kinds = await scalar(db, "SELECT array_agg(DISTINCT data_type) FROM backfill_windows")
    assert sorted(kinds) == sorted(t.value for t in requests)  # type: ignore[arg-type]
    assert await scalar(db, "SELECT count(*) FROM backfill_windows") == planned

    # A re-run finds every window finished: nothing is fetched.
    before = sandbox.counters["requests"]
    second = await run_backfill(collector, pairs, START, END, concurrency=4)
    assert (second.totals()["windows"], second.totals()["skipped"]) == (0, planned)
    assert sandbox.counters["requests"] == before

    # Fetching everything again (as if nothing were recorded) writes nothing.
    async with db.session() as session:
        await session.execute(text("TRUNCATE backfill_windows"))
    third = await run_backfill(collector, pairs, START, END, concurrency=4)
    assert third.failures == []
    assert third.totals()["windows"] == planned
    assert (third.totals()["inserted"], third.totals()["updated"]) == (0, 0)
    assert third.totals()["unchanged"] >= total
    assert await scalar(db, "SELECT count(*) FROM energy_data_points") == total
