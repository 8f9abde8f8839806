"""A refetching backfill: windows finished before are fetched again and pull the revisions
published since, which a plain re-run skips."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from app.db.database import Database
from app.entsoe.items import DataType
from app.sandbox import ManualClock, SandboxConfig, SandboxServer
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

T0 = utc("2025-11-15T12:00")
START, END = T0 - timedelta(days=40), T0 - timedelta(days=2)


async def test_refetch_pulls_revisions_a_plain_rerun_skips(
    db: Database,
    http: httpx.AsyncClient,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    clock = ManualClock(T0)
    # Revised 60 days after first publication: every hour of the range is revised after T0.
    config = sandbox_config(
        now=None, clock=clock, revision_share=0.2, revision_delay=timedelta(days=60)
    )
    sandbox = start_sandbox(config)
    collector = service(fast_client(http, sandbox.base_url), db)
    pairs = [("PT", DataType.ACTUAL)]
    planned = len(collector.plan(DataType.ACTUAL, START, END))
    assert planned > 1

    first = await run_backfill(collector, pairs, START, END)
    assert first.failures == [] and first.totals()["windows"] == planned
    before = await stored(db, "PT", DataType.ACTUAL)
    assert before == expected(config, "PT", DataType.ACTUAL, [(START, END)])

    clock.advance(timedelta(days=61))
    revised = expected(config, "PT", DataType.ACTUAL, [(START, END)])
    changed = {k for k, v in revised.items() if before.get(k) != v}
    assert changed and set(revised) == set(before)

    plain = await run_backfill(collector, pairs, START, END)
    assert plain.totals()["windows"] == 0 and plain.totals()["skipped"] == planned
    assert await stored(db, "PT", DataType.ACTUAL) == before  # the revisions were missed

    requests = sandbox.counters["requests"]
    again = await run_backfill(collector, pairs, START, END, refetch=True)
    assert again.failures == []
    assert again.totals()["skipped"] == 0
    assert again.totals()["windows"] == planned
    assert sandbox.counters["requests"] == requests + planned
    assert again.totals()["updated"] == len(changed)
    assert await stored(db, "PT", DataType.ACTUAL) == revised
    assert await scalar(db, "SELECT count(*) FROM backfill_windows") == planned
