"""Gap healing over the whole stored history: holes are re-collected (bounded per run), gaps
ENTSO-E cannot fill are remembered and asked again only after a day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from app.db.database import Database
from app.entsoe.items import DataType
from app.sandbox import ManualClock, SandboxConfig, SandboxServer
from app.services.coverage import coverage
from app.services.healing import HealingService
from tests.services.support import (
    expected,
    fast_client,
    sandbox_config,
    scalar,
    service,
    stored,
    stored_series,
    utc,
)

pytestmark = pytest.mark.db

T0 = utc("2025-11-15T12:00")
START, END = utc("2025-10-01T00:00"), utc("2025-11-01T00:00")
HOUR = timedelta(hours=1)


async def _gaps(db: Database) -> list[tuple[datetime, datetime]]:
    async with db.session() as session:
        return [(g.start, g.end) for g in (await coverage(session, "PT", "actual")).gaps]


async def _punch(db: Database, start: datetime, hours: int) -> None:
    async with db.session() as session:
        await session.execute(
            text(
                "DELETE FROM energy_data_points WHERE area_code = 'PT' AND data_type = 'actual'"
                ' AND "timestamp" >= :s AND "timestamp" < :e'
            ),
            {"s": start, "e": start + hours * HOUR},
        )


def _clear_of(gaps: list[tuple[datetime, datetime]], start: datetime, hours: int) -> bool:
    lo, hi = start - HOUR, start + (hours + 1) * HOUR
    return all(e < lo or s > hi for s, e in gaps)


async def test_healing_fills_holes_and_remembers_what_entsoe_cannot_fill(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    clock = ManualClock(T0)
    config = sandbox_config(now=None, clock=clock, gap_share=0.02, revision_share=0.0)
    sandbox = start_sandbox(config)
    collector = service(fast_client(http, sandbox.base_url), db)
    healing = HealingService(collector, db, max_gaps=100, clock=clock)
    await collector.collect("PT", DataType.ACTUAL, START, END)
    want = expected(config, "PT", DataType.ACTUAL, [(START, END)])
    assert await stored(db, "PT", DataType.ACTUAL) == want
    unfillable = await _gaps(db)
    assert unfillable, "the sandbox should leave gaps at gap_share=0.02"

    holes = [
        t for t in (START + k * 6 * HOUR for k in range(8, 110)) if _clear_of(unfillable, t, 6)
    ]
    await _punch(db, holes[0], 6)
    assert len(await _gaps(db)) == len(unfillable) + 1

    first = await healing.heal(["PT"], [DataType.ACTUAL])
    assert len(first.collections) == len(unfillable) + 1
    assert (first.filled, first.still_empty) == (1, len(unfillable))
    assert await stored(db, "PT", DataType.ACTUAL) == want
    assert await _gaps(db) == unfillable
    assert await scalar(db, "SELECT count(*) FROM collection_empty_gaps") == len(unfillable)

    requests = sandbox.counters["requests"]
    second = await healing.heal(["PT"], [DataType.ACTUAL])
    assert second.collections == [] and second.gaps_skipped_remembered == len(unfillable)
    assert sandbox.counters["requests"] == requests

    clock.advance(timedelta(days=1, minutes=1))
    third = await healing.heal(["PT"], [DataType.ACTUAL])
    assert len(third.collections) == len(unfillable) and third.still_empty == len(unfillable)
    assert await scalar(db, "SELECT min(attempts) FROM collection_empty_gaps") == 2

    # Bounded: one gap per run, the newest first; the remembered ones are not counted.
    bounded = HealingService(collector, db, max_gaps=1, clock=clock)
    await _punch(db, holes[1], 6)
    await _punch(db, holes[-1], 6)
    fourth = await bounded.heal(["PT"], [DataType.ACTUAL])
    assert [(c.start, c.end) for c in fourth.collections] == [(holes[-1], holes[-1] + 6 * HOUR)]
    assert fourth.filled == 1
    assert len(await _gaps(db)) == len(unfillable) + 1


async def _delete(db: Database, business_type: str, since: datetime | None = None) -> int:
    async with db.session() as session:
        result = await session.execute(
            text(
                "DELETE FROM energy_data_points WHERE area_code = 'PT'"
                " AND data_type = 'week_ahead' AND business_type = :b"
                " AND \"timestamp\" >= coalesce(CAST(:s AS timestamptz), '-infinity')"
            ),
            {"b": business_type, "s": since},
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


async def test_healing_recollects_a_business_type_that_stopped_early_or_never_arrived(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    clock = ManualClock(T0)
    sandbox = start_sandbox(sandbox_config(now=None, clock=clock, revision_share=0.0))
    collector = service(fast_client(http, sandbox.base_url), db)
    healing = HealingService(collector, db, max_gaps=10, clock=clock)
    await collector.collect("PT", DataType.WEEK_AHEAD, START, END)
    want = await stored(db, "PT", DataType.WEEK_AHEAD)
    assert {bt for _, bt in want} == {"A60", "A61"}
    days = sorted(ts for ts, bt in want if bt == "A61")

    # The max (A61) stops two weeks before the min (A60).
    assert await _delete(db, "A61", since=days[-14]) == 14
    first = await healing.heal(["PT"], [DataType.WEEK_AHEAD])
    assert (first.gaps_found, first.filled, first.still_empty) == (1, 1, 0)
    assert await stored(db, "PT", DataType.WEEK_AHEAD) == want

    # The max never arrived at all: healed over the whole stored range.
    assert await _delete(db, "A61") == len(want) // 2
    second = await healing.heal(["PT"], [DataType.WEEK_AHEAD])
    assert (second.gaps_found, second.filled) == (1, 1)
    assert await stored(db, "PT", DataType.WEEK_AHEAD) == want


async def _delete_series(
    db: Database, data_type: str, psr_type: str, start: datetime, end: datetime
) -> int:
    async with db.session() as session:
        result = await session.execute(
            text(
                "DELETE FROM energy_data_points WHERE area_code = 'FR' AND data_type = :d"
                ' AND psr_type = :p AND "timestamp" >= :s AND "timestamp" < :e'
            ),
            {"d": data_type, "p": psr_type, "s": start, "e": end},
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


async def test_healing_recollects_a_production_type_with_a_hole_or_an_early_stop(
    db: Database, http: httpx.AsyncClient, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    clock = ManualClock(T0)
    config = sandbox_config(now=None, clock=clock, gap_share=0.0, revision_share=0.0)
    sandbox = start_sandbox(config)
    collector = service(fast_client(http, sandbox.base_url), db)
    healing = HealingService(collector, db, max_gaps=10, clock=clock)
    kinds = [DataType.GENERATION, DataType.GENERATION_CONSUMPTION]
    await collector.collect("FR", DataType.GENERATION, START, END)  # stores both directions
    want = {dt: await stored_series(db, "FR", dt) for dt in kinds}
    assert all(want.values())
    assert {k[2] for k in want[DataType.GENERATION_CONSUMPTION]} == {"B10"}  # pumping
    solar_wind = {k[2] for k in want[DataType.GENERATION]} & {"B16", "B19"}
    assert solar_wind == {"B16", "B19"}
    assert (await healing.heal(["FR"], kinds)).gaps_found == 0

    hole = (START + 10 * 24 * HOUR, START + 10 * 24 * HOUR + 6 * HOUR)
    assert await _delete_series(db, "generation", "B16", *hole) == 24  # solar: a hole
    assert await _delete_series(db, "generation_consumption", "B10", *hole) == 24
    stop = START + 25 * 24 * HOUR
    assert await _delete_series(db, "generation", "B19", stop, END) > 0  # wind stops early
    requests = sandbox.counters["requests"]

    healed = await healing.heal(["FR"], kinds)

    assert healed.gaps_found == 3 and healed.filled == 3 and healed.still_empty == 0
    # the same hole in generation and in its consumption side is one request
    assert [(c.data_type, c.start, c.end) for c in healed.collections] == [
        ("generation", stop, END),
        ("generation", *hole),
    ]
    assert sandbox.counters["requests"] - requests == 2
    for dt in kinds:
        assert await stored_series(db, "FR", dt) == want[dt], dt
    assert (await healing.heal(["FR"], kinds)).gaps_found == 0
