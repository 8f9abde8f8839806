"""The gap finder per series: each business type on its own grid over the range, so one that
stops early, starts late or never arrived is a gap (real PostgreSQL, rolled back per test)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.points import EnergyPoint
from app.repositories.points import PointsRepository
from app.services.coverage import coverage

pytestmark = pytest.mark.db

PRAGUE = ZoneInfo("Europe/Prague")
FIRST_DAY = datetime(2024, 3, 1, tzinfo=PRAGUE)  # 10 weeks across the spring DST change
DAYS = 70


def midnight(day: int) -> datetime:
    """Local midnight ``day`` days after FIRST_DAY, in UTC (a P1D grid point)."""
    return (
        (FIRST_DAY.replace(tzinfo=None) + timedelta(days=day))
        .replace(tzinfo=PRAGUE)
        .astimezone(UTC)
    )


async def _store(
    session: AsyncSession,
    make_points: Callable[..., list[EnergyPoint]],
    business_type: str,
    days: range,
) -> None:
    points = [
        p
        for day in days
        for p in make_points(
            midnight(day),
            [1000 + day],
            area_code="CZ",
            data_type="week_ahead",
            business_type=business_type,
            resolution="P1D",
            time_series_mrid=business_type,
        )
    ]
    await PointsRepository(session).upsert(points)


async def test_a_business_type_that_stops_early_is_a_gap(
    db_session: AsyncSession, make_points: Callable[..., list[EnergyPoint]]
) -> None:
    await _store(db_session, make_points, "A60", range(DAYS))
    await _store(db_session, make_points, "A61", range(DAYS - 14))  # max stops two weeks early
    report = await coverage(db_session, "CZ", "week_ahead")
    assert (report.start, report.end) == (midnight(0), midnight(DAYS))
    (gap,) = report.gaps
    assert (gap.start, gap.end) == (midnight(DAYS - 14), midnight(DAYS))
    assert (gap.business_types, gap.missing) == (("A61",), 14)
    assert (report.count, report.expected) == (2 * DAYS - 14, 2 * DAYS)


async def test_a_business_type_that_never_arrived_is_missing_over_the_whole_range(
    db_session: AsyncSession, make_points: Callable[..., list[EnergyPoint]]
) -> None:
    await _store(db_session, make_points, "A60", [*range(20), *range(25, DAYS)])  # a 5-day hole
    report = await coverage(db_session, "CZ", "week_ahead")
    # A61 is missing everywhere A60 is expected: the whole range, hole included.
    (gap,) = report.gaps
    assert (gap.start, gap.end) == (midnight(0), midnight(DAYS))
    assert gap.business_types == ("A60", "A61")
    assert gap.missing == 5 + DAYS
    assert (report.count, report.expected) == (DAYS - 5, 2 * DAYS)


async def test_an_explicit_range_reports_the_edges_of_each_business_type(
    db_session: AsyncSession, make_points: Callable[..., list[EnergyPoint]]
) -> None:
    await _store(db_session, make_points, "A60", range(10, 30))
    await _store(db_session, make_points, "A61", range(12, 30))  # starts two days late
    report = await coverage(db_session, "CZ", "week_ahead", start=midnight(0), end=midnight(40))
    gaps = [(g.start, g.end, g.business_types, g.missing) for g in report.gaps]
    assert gaps == [
        (midnight(0), midnight(12), ("A60", "A61"), 10 + 12),
        (midnight(30), midnight(40), ("A60", "A61"), 2 * 10),
    ]
    assert report.expected == 2 * 40
    # The configured history start only moves the start back, never past a stored point.
    late = await coverage(db_session, "CZ", "week_ahead", history_start=midnight(25))
    early = await coverage(db_session, "CZ", "week_ahead", history_start=midnight(5))
    assert late.start == midnight(10) and early.start == midnight(5)
    assert [(g.start, g.end, g.missing) for g in late.gaps] == [(midnight(10), midnight(12), 2)]
    assert [(g.start, g.end, g.missing) for g in early.gaps] == [(midnight(5), midnight(12), 5 + 7)]
    # Points outside the asked range are not looked at.
    inside = await coverage(db_session, "CZ", "week_ahead", start=midnight(15), end=midnight(20))
    assert (inside.count, inside.expected, inside.gaps) == (10, 10, ())
