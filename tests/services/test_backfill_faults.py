"""A backfill through 503s, slow replies, resets, a 429 ban and truncated XML loses nothing."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

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

START, END = utc("2025-01-01T00:00"), utc("2025-07-01T00:00")


async def test_backfill_with_faults_completes_with_every_point(
    db: Database,
    http: httpx.AsyncClient,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    config = sandbox_config(
        seed=11,
        fail_503_share=0.2,
        truncate_share=0.15,
        reset_share=0.05,
        slow_share=0.1,
        slow_seconds=0.3,
        burst_429=2,
        burst_429_after=4,
        burst_retry_after=1,
        # ... and the rate limit: more than 20 requests in a second bans the token for a second.
        rate_limit_per_minute=20,
        rate_window_seconds=1.0,
        ban_seconds=1.0,
    )
    sandbox = start_sandbox(config)
    collector = service(fast_client(http, sandbox.base_url, max_retries=12), db)
    pairs = [(area, dt) for dt in LOAD_TYPES for area in ("PT", "NL")]

    outcome = await run_backfill(collector, pairs, START, END, concurrency=3)

    assert outcome.failures == []
    counters = sandbox.counters
    faults = ("fault_503", "fault_truncated", "fault_reset", "fault_slow", "fault_429")
    for fault in (*faults, "rate_limited"):
        assert counters[fault] > 0, (fault, counters)
    # Every fault cost a request of its own; each window was finally answered once.
    windows = outcome.totals()["windows"]
    assert outcome.totals()["requests"] == counters["requests"] > windows
    for area, dt in pairs:
        # Exactly the sandbox's points: nothing from a truncated reply was stored half.
        assert await stored(db, area, dt) == expected(config, area, dt, [(START, END)]), (area, dt)
    assert await scalar(db, "SELECT count(*) FROM backfill_windows") == windows
    failed = await scalar(db, "SELECT sum(failed_windows) FROM collection_runs")
    assert failed == 0
