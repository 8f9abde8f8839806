"""Staying current: after the sandbox revises values, the next incremental run updates exactly
those rows (and adds what was published since)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from app.db.database import Database
from app.entsoe.items import DataType
from app.sandbox import ManualClock, SandboxConfig, SandboxServer
from app.services.healing import HealingService
from tests.services.support import expected, fast_client, sandbox_config, service, stored, utc

pytestmark = pytest.mark.db

T0 = utc("2025-11-15T12:00")


async def test_incremental_run_updates_exactly_the_revised_rows(
    db: Database,
    http: httpx.AsyncClient,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    clock = ManualClock(T0)
    config = sandbox_config(now=None, clock=clock, revision_share=0.2, gap_share=0.0)
    sandbox = start_sandbox(config)
    collector = service(fast_client(http, sandbox.base_url), db)
    healing = HealingService(collector, db, initial_history=timedelta(days=3), clock=clock)
    items = (DataType.ACTUAL, DataType.DAY_AHEAD)

    for dt in items:
        (first,) = await healing.collect_current(dt, ["PT"])
        assert first.status == "succeeded" and first.inserted > 0
    before = {dt: await stored(db, "PT", dt) for dt in items}

    clock.advance(timedelta(days=1, hours=2))
    revised = {}
    for dt in items:
        keys = sorted(before[dt])
        now_values = expected(config, "PT", dt, [(keys[0][0], keys[-1][0] + timedelta(hours=1))])
        revised[dt] = {
            k: v for k, v in now_values.items() if k in before[dt] and v != before[dt][k]
        }
        assert set(before[dt]) <= set(now_values)
    assert revised[DataType.ACTUAL] and revised[DataType.DAY_AHEAD]

    for dt in items:
        (second,) = await healing.collect_current(dt, ["PT"])
        after = await stored(db, "PT", dt)
        assert second.updated == len(revised[dt]), dt
        assert second.inserted == len(after) - len(before[dt]) > 0
        changed = {k for k in before[dt] if after[k] != before[dt][k]}
        assert changed == set(revised[dt])
        assert all(after[k] == v for k, v in revised[dt].items())
