"""StoredPoints on the real, migrated test database (each test rolled back)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.points import EnergyPoint
from app.repositories.points import PointsRepository
from app.repositories.stored import StoredPoints, StoredSpan

pytestmark = pytest.mark.db

T0 = datetime(2024, 3, 1, tzinfo=UTC)
Q = timedelta(minutes=15)
Points = Callable[..., list[EnergyPoint]]


async def test_business_types_are_kept_apart(db_session: AsyncSession, make_points: Points) -> None:
    repo = PointsRepository(db_session)
    reads = StoredPoints(db_session)
    week = {"data_type": "week_ahead", "resolution": "P1D"}
    day = timedelta(days=1)
    await repo.upsert(make_points(T0, [100, 110], step=day, business_type="A60", **week))
    await repo.upsert(make_points(T0, [200, 210], step=day, business_type="A61", **week))
    both = await reads.range("DE_LU", ["week_ahead"], T0, T0 + 2 * day)
    assert [(p.timestamp, p.meta.business_type, p.quantity) for p in both] == [
        (T0, "A60", Decimal(100)),
        (T0, "A61", Decimal(200)),
        (T0 + day, "A60", Decimal(110)),
        (T0 + day, "A61", Decimal(210)),
    ]
    maxima = await reads.range("DE_LU", ["week_ahead"], T0, T0 + 2 * day, business_type="A61")
    assert [p.quantity for p in maxima] == [Decimal(200), Decimal(210)]
    assert [(p.meta.business_type, p.quantity) for p in await reads.latest(["DE_LU"])] == [
        ("A60", Decimal(110)),
        ("A61", Decimal(210)),
    ]


async def test_range_is_half_open_and_ordered(
    db_session: AsyncSession, make_points: Points
) -> None:
    repo = PointsRepository(db_session)
    reads = StoredPoints(db_session)
    await repo.upsert(make_points(T0, [1, 2, 3, 4]))
    await repo.upsert(make_points(T0, [9, 8, 7, 6], data_type="day_ahead", document_mrid="da"))
    await repo.upsert(make_points(T0, [5, 5, 5, 5], area_code="FR"))

    got = await reads.range("DE_LU", ["actual"], T0 + Q, T0 + 3 * Q)
    assert [(p.timestamp, p.quantity) for p in got] == [(T0 + Q, 2), (T0 + 2 * Q, 3)]
    assert await reads.range("DE_LU", ["actual"], T0 + Q, T0 + Q) == []
    assert await reads.range("DE_LU", ["actual"], T0 + 4 * Q, T0 + 5 * Q) == []

    mixed = await reads.range("DE_LU", ["day_ahead", "actual"], T0, T0 + 2 * Q)
    assert [(p.timestamp, p.meta.data_type, p.quantity) for p in mixed] == [
        (T0, "actual", 1),
        (T0, "day_ahead", 9),
        (T0 + Q, "actual", 2),
        (T0 + Q, "day_ahead", 8),
    ]
    meta = mixed[1].meta
    assert (meta.area_code, meta.unit, meta.resolution, meta.curve_type) == (
        "DE_LU",
        "MAW",
        "PT15M",
        "A01",
    )
    assert (meta.document_mrid, meta.time_series_mrid, meta.data_source) == ("da", "ts-1", "entsoe")
    with pytest.raises(ValueError, match="aware"):
        await reads.range("DE_LU", ["actual"], datetime(2024, 1, 1), T0)  # noqa: DTZ001


async def test_latest_per_area_and_data_type(db_session: AsyncSession, make_points: Points) -> None:
    repo = PointsRepository(db_session)
    reads = StoredPoints(db_session)
    await repo.upsert(make_points(T0, [1, 2, 3]))
    await repo.upsert(make_points(T0, [7, 8], area_code="FR"))
    await repo.upsert(make_points(T0, [4], data_type="day_ahead"))

    actual = await reads.latest(["DE_LU", "FR", "NL"], "actual")
    assert [(p.meta.area_code, p.timestamp, p.quantity) for p in actual] == [
        ("DE_LU", T0 + 2 * Q, 3),
        ("FR", T0 + Q, 8),
    ]
    every_type = await reads.latest(["DE_LU"])
    assert [(p.meta.data_type, p.timestamp) for p in every_type] == [
        ("actual", T0 + 2 * Q),
        ("day_ahead", T0),
    ]
    assert await reads.latest([]) == []


async def test_spans(db_session: AsyncSession, make_points: Points) -> None:
    repo = PointsRepository(db_session)
    reads = StoredPoints(db_session)
    await repo.upsert(make_points(T0, [1, 2, 3], area_code="ZZ_A"))
    await repo.upsert(make_points(T0 + Q, [1], area_code="ZZ_B", data_type="day_ahead"))

    assert await reads.span("ZZ_A", "actual") == StoredSpan("ZZ_A", "actual", T0, T0 + 2 * Q, 3)
    assert await reads.span("ZZ_A", "day_ahead") == StoredSpan("ZZ_A", "day_ahead", None, None, 0)
    assert await reads.span("ZZ_A", "actual", business_type="A60") == StoredSpan(
        "ZZ_A", "actual", None, None, 0
    )
    mine = [c for c in await reads.spans() if c.area_code.startswith("ZZ_")]
    assert mine == [
        StoredSpan("ZZ_A", "actual", T0, T0 + 2 * Q, 3),
        StoredSpan("ZZ_B", "day_ahead", T0 + Q, T0 + Q, 1),
    ]
