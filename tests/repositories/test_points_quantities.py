"""What the quantity column holds: numeric(15,3). A value beyond it is refused before any SQL
runs; any other value, however it is written, is stored rounded to 3 decimals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.points import EnergyPoint
from app.repositories.points import PointsRepository, UpsertResult

pytestmark = pytest.mark.db

T0 = datetime(2024, 3, 1, tzinfo=UTC)
Points = Callable[..., list[EnergyPoint]]


@pytest.mark.parametrize(
    "value", ["1000000000000", "999999999999.9995", "-1E12", "1E309", "Infinity"]
)
async def test_a_value_beyond_the_column_is_refused_before_any_sql(
    db_session: AsyncSession, make_points: Points, value: str
) -> None:
    series = text("SELECT count(*) FROM energy_series")
    before = await db_session.scalar(series)
    with pytest.raises(ValueError, match="finite number that rounds below 1e12"):
        await PointsRepository(db_session).upsert(make_points(T0, [1, value]))
    assert await db_session.scalar(series) == before


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("999999999999.9994", "999999999999.999"),
        ("-999999999999.999", "-999999999999.999"),
        ("1E-20000", "0.000"),  # PostgreSQL would refuse this text as written
        ("0." + "0" * 20_000 + "1", "0.000"),
        ("12.3456" + "0" * 40, "12.346"),
        ("1E+3", "1000.000"),
        ("0.0005", "0.001"),  # half away from zero, as PostgreSQL rounds
        ("-0.0005", "-0.001"),
    ],
)
async def test_any_other_value_is_stored_rounded(
    db_session: AsyncSession, make_points: Points, value: str, stored: str
) -> None:
    assert await PointsRepository(db_session).upsert(make_points(T0, [value])) == UpsertResult(
        inserted=1
    )
    got = await db_session.scalar(text("SELECT quantity FROM energy_data_points"))
    assert str(got) == stored
