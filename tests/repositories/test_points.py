"""PointsRepository.upsert on the real, migrated test database (each test rolled back)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.testing import capture_logs

from app.db.database import Database
from app.domain.points import EnergyPoint, SeriesMeta
from app.repositories.points import PointsRepository, UpsertResult
from app.repositories.stored import StoredPoints

pytestmark = pytest.mark.db

T0 = datetime(2024, 3, 1, tzinfo=UTC)
Q = timedelta(minutes=15)
Points = Callable[..., list[EnergyPoint]]
Meta = Callable[..., SeriesMeta]


async def stored(session: AsyncSession, area: str = "DE_LU") -> dict[datetime, tuple[Decimal, int]]:
    rows = await session.execute(
        text(
            'SELECT "timestamp", quantity, revision_number FROM energy_data_points'
            " WHERE area_code = :area ORDER BY 1"
        ),
        {"area": area},
    )
    return {r[0]: (r[1], r[2]) for r in rows}


async def test_same_batch_twice_writes_nothing_the_second_time(
    db_session: AsyncSession, make_points: Points
) -> None:
    repo = PointsRepository(db_session)
    points = make_points(T0, range(1, 97))
    assert await repo.upsert(points) == UpsertResult(inserted=96)
    before = await stored(db_session)
    assert await repo.upsert(points) == UpsertResult(unchanged=96)
    assert await stored(db_session) == before
    series = await db_session.scalar(text("SELECT count(*) FROM energy_series"))
    assert series == 1


async def test_revision_guard(db_session: AsyncSession, make_points: Points) -> None:
    repo = PointsRepository(db_session)
    day1 = datetime(2024, 3, 2, tzinfo=UTC)
    await repo.upsert(make_points(T0, [10, 20], revision_number=2, document_created_at=day1))

    older = make_points(T0, [11, 21], revision_number=1, document_created_at=day1)
    assert await repo.upsert(older) == UpsertResult(unchanged=2)
    same_rev_older_doc = make_points(T0, [11, 21], revision_number=2, document_created_at=T0)
    assert await repo.upsert(same_rev_older_doc) == UpsertResult(unchanged=2)
    assert await stored(db_session) == {T0: (Decimal(10), 2), T0 + Q: (Decimal(20), 2)}

    # newer revision: only the point whose value differs is written; the other keeps revision 2
    newer = make_points(T0, [10, 22], revision_number=3, document_created_at=day1)
    assert await repo.upsert(newer) == UpsertResult(updated=1, unchanged=1)
    assert await stored(db_session) == {T0: (Decimal(10), 2), T0 + Q: (Decimal(22), 3)}

    # equal revision, different value: written
    equal = make_points(T0, [13, 22], revision_number=3, document_created_at=day1)
    assert await repo.upsert(equal) == UpsertResult(updated=1, unchanged=1)
    assert (await stored(db_session))[T0] == (Decimal(13), 3)


async def test_sandbox_rows_never_replace_real_ones(
    db_session: AsyncSession, make_points: Points
) -> None:
    repo = PointsRepository(db_session)
    await repo.upsert(make_points(T0, [10, 20]))  # data_source "entsoe"
    sandbox = make_points(T0, [11, 21, 31], revision_number=5, data_source="entsoe-sandbox")
    assert await repo.upsert(sandbox) == UpsertResult(inserted=1, unchanged=2)
    assert await stored(db_session) == {
        T0: (Decimal(10), 1),
        T0 + Q: (Decimal(20), 1),
        T0 + 2 * Q: (Decimal(31), 5),
    }
    # ...while the real source still replaces sandbox rows and its own
    real = make_points(T0, [12, 22, 32], revision_number=6)
    assert await repo.upsert(real) == UpsertResult(updated=3)


async def test_new_revision_with_other_unit_or_resolution_is_written(
    db_session: AsyncSession, make_points: Points
) -> None:
    repo = PointsRepository(db_session)
    await repo.upsert(make_points(T0, [5]))
    other_unit = make_points(T0, [5], unit="KWH", revision_number=2)
    assert await repo.upsert(other_unit) == UpsertResult(updated=1)
    # another document with the same revision and content changes nothing
    same = make_points(T0, [5], unit="KWH", revision_number=2, document_mrid="doc-copy")
    assert await repo.upsert(same) == UpsertResult(unchanged=1)
    (point,) = await StoredPoints(db_session).range("DE_LU", ["actual"], T0, T0 + Q)
    assert (point.meta.unit, point.meta.revision_number, point.meta.document_mrid) == (
        "KWH",
        2,
        "doc-1",
    )


async def test_updated_at_moves_created_at_stays(
    db_session: AsyncSession, make_points: Points
) -> None:
    repo = PointsRepository(db_session)
    await repo.upsert(make_points(T0, [1]))
    # now() is the transaction's start time: age the row instead of waiting
    await db_session.execute(
        text("UPDATE energy_data_points SET created_at = created_at - interval '1 hour',"
             " updated_at = updated_at - interval '1 hour'")
    )  # fmt: skip
    await repo.upsert(make_points(T0, [2], revision_number=2))
    created, updated = (
        await db_session.execute(text("SELECT created_at, updated_at FROM energy_data_points"))
    ).one()
    assert updated - created == timedelta(hours=1)


async def test_duplicate_keys_in_one_batch(
    db_session: AsyncSession, make_points: Points, make_meta: Meta
) -> None:
    repo = PointsRepository(db_session)
    high = make_meta(revision_number=2)
    low = make_meta(revision_number=1, document_mrid="doc-0")
    batch = [
        EnergyPoint(T0, Decimal(2), high),
        EnergyPoint(T0, Decimal(1), low),  # later in the batch, but an older revision
        EnergyPoint(T0 + Q, Decimal(3), low),
        EnergyPoint(T0 + Q, Decimal(4), low),  # same revision: the last one wins
    ]
    assert await repo.upsert(batch) == UpsertResult(inserted=2)
    assert await stored(db_session) == {T0: (Decimal(2), 2), T0 + Q: (Decimal(4), 1)}


async def test_chunks_give_the_same_result(db_session: AsyncSession, make_meta: Meta) -> None:
    metas = [make_meta(time_series_mrid=f"ts-{n}") for n in range(5)]
    points = [EnergyPoint(T0 + n * Q, Decimal(n), metas[n // 11]) for n in range(50)]
    assert await PointsRepository(db_session, chunk_size=7).upsert(points) == UpsertResult(
        inserted=50
    )
    assert await PointsRepository(db_session).upsert(points) == UpsertResult(unchanged=50)
    assert await stored(db_session) == {T0 + n * Q: (Decimal(n), 1) for n in range(50)}


async def test_quantities_compare_at_three_decimals(
    db_session: AsyncSession, make_points: Points
) -> None:
    repo = PointsRepository(db_session)
    await repo.upsert(make_points(T0, ["1.2345"]))
    assert (await stored(db_session))[T0][0] == Decimal("1.235")
    assert await repo.upsert(make_points(T0, ["1.2349"])) == UpsertResult(unchanged=1)
    assert await repo.upsert(make_points(T0, ["1.2344"])) == UpsertResult(updated=1)
    assert (await stored(db_session))[T0][0] == Decimal("1.234")


async def test_bad_points_are_refused(db_session: AsyncSession, make_points: Points) -> None:
    repo = PointsRepository(db_session)
    with pytest.raises(ValueError, match="aware UTC"):
        await repo.upsert(make_points(datetime(2024, 1, 1), [1]))  # noqa: DTZ001
    with pytest.raises(ValueError, match="finite"):
        await repo.upsert(make_points(T0, ["NaN"]))
    assert await repo.upsert([]) == UpsertResult()


async def test_dst_days_are_stored_as_exact_utc_instants(
    db_session: AsyncSession, make_meta: Meta
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    repo = PointsRepository(db_session)
    meta = make_meta()
    spring, autumn = datetime(2024, 3, 31, tzinfo=berlin), datetime(2024, 10, 27, tzinfo=berlin)
    for day, quarters in ((spring, 92), (autumn, 100)):
        start = day.astimezone(UTC)
        end = (day + timedelta(days=1)).astimezone(UTC)  # wall-clock day: 23 or 25 hours
        stamps = [start + n * Q for n in range((end - start) // Q)]
        assert len(stamps) == quarters
        points = [EnergyPoint(t, Decimal(n), meta) for n, t in enumerate(stamps)]
        assert await repo.upsert(points) == UpsertResult(inserted=quarters)
        # the session's time zone must not matter
        await db_session.execute(text("SET LOCAL TIME ZONE 'Europe/Berlin'"))
        got = await StoredPoints(db_session).range("DE_LU", ["actual"], start, end)
        assert [p.timestamp for p in got] == stamps
        assert all(p.timestamp.utcoffset() == timedelta(0) for p in got)
        local_hours = {p.timestamp.astimezone(berlin).hour for p in got}
        assert len(local_hours) == (23 if quarters == 92 else 24)


async def test_concurrent_insert_of_the_same_keys(database: Database, make_points: Points) -> None:
    """A writer that inserts our new keys after our snapshot: the safe merge takes over."""
    area = "ZZ_RACE"
    first = make_points(T0, [1, 2], area_code=area)
    second = make_points(T0, [1, 5, 6], area_code=area, revision_number=2)
    try:
        with capture_logs() as logs:
            async with database.session() as holder:
                await PointsRepository(holder).upsert(first)  # uncommitted: the rival waits
                rival = asyncio.create_task(_upsert_in_own_session(database, second))
                await _wait_for_lock_wait(database)
            result = await asyncio.wait_for(rival, timeout=30)
        assert result == UpsertResult(inserted=1, updated=1, unchanged=1)
        assert [e["event"] for e in logs] == ["energy_data.merge_retried"]
        async with database.session() as session:
            assert await stored(session, area) == {
                T0: (Decimal(1), 1),
                T0 + Q: (Decimal(5), 2),
                T0 + 2 * Q: (Decimal(6), 2),
            }
    finally:
        async with database.session() as session:
            await session.execute(
                text("DELETE FROM energy_data_points WHERE area_code = :a"), {"a": area}
            )


async def _upsert_in_own_session(database: Database, points: list[EnergyPoint]) -> UpsertResult:
    async with database.session() as session:
        return await PointsRepository(session).upsert(points)


async def _wait_for_lock_wait(database: Database) -> None:
    for _ in range(200):
        async with database.engine.connect() as conn:
            waiting = await conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
        if waiting:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the rival upsert never waited for the holder's keys")
