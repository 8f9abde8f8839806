"""The scheduler with replicas: each job runs once per tick; a failing job does not stop it;
a manual collection waits for or skips one running on the same area and item."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from structlog.testing import capture_logs

from app.db.database import Database
from app.entsoe.items import DataType
from app.jobs.scheduler import CollectionScheduler, JobSpec
from app.sandbox import ManualClock, SandboxConfig, SandboxServer
from app.services.backfill import run_backfill
from app.services.healing import HealingService
from app.services.locks import COLLECTION_LOCKS, advisory_lock
from tests.services.support import fast_client, sandbox_config, scalar, service, utc

pytestmark = pytest.mark.db

T0 = utc("2025-11-15T12:00")
EVERY = timedelta(seconds=2)
JOBS = (
    JobSpec("collect.actual", EVERY, timedelta(0), DataType.ACTUAL),
    JobSpec("heal", EVERY, timedelta(0)),
)


async def test_two_replicas_run_each_job_once_per_tick(
    db: Database,
    async_database_url: str,
    http: httpx.AsyncClient,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    clock = ManualClock(T0)
    sandbox = start_sandbox(sandbox_config(now=None, clock=clock))
    replicas = []
    for name in ("replica-a", "replica-b"):
        database = Database(async_database_url, pool_size=4)  # each replica has its own pool
        collector = service(fast_client(http, sandbox.base_url), database)
        healing = HealingService(collector, database, clock=clock)
        replicas.append(
            CollectionScheduler(
                healing,
                database,
                areas=["PT"],
                data_types=[DataType.ACTUAL],
                jobs=JOBS,
                misfire_grace=timedelta(seconds=1),
                instance=name,
                catch_up_delay=None,  # only the regular ticks, so each tick has one owner
            )
        )
    # Start just after a tick (ticks fall on whole multiples of EVERY since the epoch), so the
    # 5.5 s below end between two ticks, not while a tick is collecting (shutdown cancels it).
    period = EVERY.total_seconds()
    await asyncio.sleep(period - time.time() % period + 0.1)
    for replica in replicas:
        replica.start()
    try:
        job = replicas[0].scheduler.get_job("collect.actual")
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 1)
        await asyncio.sleep(5.5)
    finally:
        for replica in replicas:
            await replica.shutdown()
            await replica.database.dispose()

    ran = [(j, t) for r in replicas for j, t, outcome in r.history if outcome == "ran"]
    assert len(ran) == len(set(ran)), "a tick ran twice"
    per_job = Counter(j for j, _ in ran)
    assert per_job["collect.actual"] >= 2 and per_job["heal"] >= 2, per_job
    seen = [{(j, t): o for j, t, o in r.history} for r in replicas]
    for key in seen[0].keys() & seen[1].keys():
        outcomes = sorted(s[key] for s in seen)
        assert outcomes[0] == "ran" and outcomes[1].startswith("skipped"), (key, outcomes)
    async with db.session() as session:
        rows = (
            await session.execute(text("SELECT job, tick, status FROM scheduler_job_runs"))
        ).all()
    assert {(r[0], r[1]) for r in rows} == set(ran)
    assert {r[2] for r in rows} == {"succeeded"}
    # The jobs did their work: the actual job collected once per tick it ran.
    runs = await scalar(db, "SELECT count(*) FROM collection_runs WHERE job = 'collect.actual'")
    assert runs == per_job["collect.actual"]
    assert sandbox.counters["requests"] >= 1


class _FailsOnce(HealingService):
    calls = 0

    async def collect_current(self, *args: object, **kwargs: object) -> list:  # type: ignore[override]
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("ENTSO-E is on fire")
        return await super().collect_current(*args, **kwargs)  # type: ignore[arg-type]


async def test_a_failing_job_is_logged_and_the_next_tick_runs(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    clock = ManualClock(T0)
    sandbox = start_sandbox(sandbox_config(now=None, clock=clock))
    healing = _FailsOnce(service(fast_client(http, sandbox.base_url), db), db, clock=clock)
    scheduler = CollectionScheduler(
        healing, db, areas=["PT"], data_types=[DataType.ACTUAL], jobs=JOBS
    )
    spec = JOBS[0]
    with capture_logs() as logs:
        first = await scheduler.run_job(spec, now=T0)
        second = await scheduler.run_job(spec, now=T0 + EVERY)
    assert (first, second) == ("failed", "ran")
    failed = [e for e in logs if e["event"] == "scheduler.job_failed"]
    assert len(failed) == 1 and "ENTSO-E is on fire" in failed[0]["error"]
    async with db.session() as session:
        rows = (
            await session.execute(
                text("SELECT status, error FROM scheduler_job_runs ORDER BY tick")
            )
        ).all()
    assert [r[0] for r in rows] == ["failed", "succeeded"]
    assert "RuntimeError" in rows[0][1]
    # The same tick again (another replica, or a coalesced misfire) does not run twice.
    assert await scheduler.run_job(spec, now=T0 + EVERY) == "skipped_done"


async def test_manual_collection_waits_for_or_skips_a_running_one(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    sandbox = start_sandbox(sandbox_config())
    collector = service(fast_client(http, sandbox.base_url), db)
    start, end = utc("2025-03-01T00:00"), utc("2025-03-02T00:00")

    async with advisory_lock(db.engine, COLLECTION_LOCKS, "PT:actual") as held:
        assert held
        skipped = await collector.collect("PT", DataType.ACTUAL, start, end, lock_wait=0.3)
    assert skipped.status == "skipped"
    assert sandbox.counters["requests"] == 0

    async def hold_briefly() -> None:
        async with advisory_lock(db.engine, COLLECTION_LOCKS, "PT:actual"):
            await asyncio.sleep(0.5)

    holder = asyncio.create_task(hold_briefly())
    await asyncio.sleep(0.1)
    waited = await collector.collect("PT", DataType.ACTUAL, start, end, lock_wait=5)
    await holder
    assert waited.status == "succeeded" and waited.inserted == 24
    assert waited.duration_s >= 0.3
    statuses = await scalar(db, "SELECT array_agg(status ORDER BY id) FROM collection_runs")
    assert statuses == ["skipped", "succeeded"]


async def test_a_weekly_job_catches_up_at_start_once_per_tick(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    """After a deploy a weekly job runs within seconds, not a week later; a second replica
    starting in the same week finds that tick done."""
    clock = ManualClock(T0)
    sandbox = start_sandbox(sandbox_config(now=None, clock=clock))
    weekly = (JobSpec("collect.actual", timedelta(days=7), timedelta(0), DataType.ACTUAL),)
    replicas = [
        CollectionScheduler(
            HealingService(service(fast_client(http, sandbox.base_url), db), db, clock=clock),
            db,
            areas=["PT"],
            data_types=[DataType.ACTUAL],
            jobs=weekly,
            instance=name,
            catch_up_delay=timedelta(seconds=0.2),
        )
        for name in ("replica-a", "replica-b")
    ]
    for replica in replicas:
        replica.start()
    try:
        for _ in range(100):
            if all(r.history for r in replicas):
                break
            await asyncio.sleep(0.1)
    finally:
        for replica in replicas:
            await replica.shutdown()
    outcomes = sorted(outcome for r in replicas for _, _, outcome in r.history)
    assert outcomes in (["ran", "skipped_done"], ["ran", "skipped_running"]), outcomes
    stored = await scalar(db, "SELECT count(*) FROM energy_data_points WHERE area_code = 'PT'")
    assert stored > 0


async def test_a_backfill_pair_held_by_a_running_collection_is_reported_not_run(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    """A pair skipped on the lock did nothing: the backfill must not count it as done."""
    sandbox = start_sandbox(sandbox_config())
    collector = service(fast_client(http, sandbox.base_url), db)
    start, end = utc("2025-03-01T00:00"), utc("2025-03-02T00:00")
    pairs = [("PT", DataType.ACTUAL), ("PT", DataType.DAY_AHEAD)]
    async with advisory_lock(db.engine, COLLECTION_LOCKS, "PT:actual") as held:
        assert held
        outcome = await run_backfill(collector, pairs, start, end, lock_wait=0.3)
    assert outcome.not_run == [("PT", DataType.ACTUAL)]
    assert outcome.summaries[("PT", DataType.DAY_AHEAD)].status == "succeeded"


async def test_a_tick_whose_collections_fail_is_recorded_failed(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    """A job is not 'succeeded' when every collection in it failed (here: a rejected token)."""
    clock = ManualClock(T0)
    sandbox = start_sandbox(sandbox_config(now=None, clock=clock))
    client = fast_client(http, sandbox.base_url, token="not-the-sandbox-token")
    healing = HealingService(service(client, db), db, clock=clock)
    scheduler = CollectionScheduler(
        healing, db, areas=["PT"], data_types=[DataType.ACTUAL], jobs=JOBS
    )
    with capture_logs() as logs:
        outcome = await scheduler.run_job(JOBS[0], now=T0)
    assert outcome == "failed"
    failed = [e for e in logs if e["event"] == "scheduler.job_failed"]
    assert "PT actual failed" in failed[0]["error"]
    status = await scalar(db, "SELECT status FROM scheduler_job_runs")
    assert status == "failed"


class _Counting(HealingService):
    """Counts the jobs working at once (each takes a moment)."""

    active = peak = 0

    async def collect_current(self, *args: object, **kwargs: object) -> list[Any]:
        type(self).active += 1
        type(self).peak = max(type(self).peak, type(self).active)
        await asyncio.sleep(0.05)
        type(self).active -= 1
        return []


@pytest.mark.parametrize("slots", [1, 3])
async def test_jobs_working_at_once_are_bounded(db: Database, slots: int) -> None:
    """Every job's catch-up run starts together at start; beyond the slots they wait instead of
    each taking connections until the pool is exhausted."""
    _Counting.active = _Counting.peak = 0
    jobs = [JobSpec(f"collect.{t.value}", EVERY, timedelta(0), t) for t in DataType]
    scheduler = CollectionScheduler(
        _Counting(service(fast_client(httpx.AsyncClient(), "http://unused"), db), db),
        db,
        areas=["PT"],
        data_types=list(DataType),
        jobs=jobs,
        max_concurrent_jobs=slots,
    )
    requested = [j for j in jobs if j in scheduler.jobs]
    outcomes = await asyncio.gather(*(scheduler.run_job(j, now=T0) for j in requested))
    assert outcomes == ["ran"] * len(requested) and len(requested) > slots
    assert _Counting.peak == slots
