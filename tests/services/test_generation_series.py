"""Generation items per production type, stored straight through the repository (no sandbox):
the gap finder per (business type, production type), the newest point per production type, the
stored spans /areas and /metrics read, and the status heatmap's expected counts per series.
Real PostgreSQL, rolled back per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.points import EnergyPoint
from app.entsoe.items import DataType
from app.repositories.points import PointsRepository
from app.repositories.stored import StoredPoints
from app.services.coverage import FLEET_GRACE, coverage
from app.services.freshness import freshness
from app.services.status import status_report

pytestmark = pytest.mark.db

Q, H, D = timedelta(minutes=15), timedelta(hours=1), timedelta(days=1)
DAY0 = datetime(2025, 3, 3, 23, tzinfo=UTC)  # local midnight in Madrid (CET)
END = DAY0 + 2 * D
HOLE = (DAY0 + 10 * H, DAY0 + 12 * H)


def _quarters(
    start: datetime, end: datetime, skip: tuple[datetime, datetime] | None = None
) -> Iterator[datetime]:
    t = start
    while t < end:
        if skip is None or not skip[0] <= t < skip[1]:
            yield t
        t += Q


async def _store(
    session: AsyncSession,
    make_meta: Callable[..., object],
    psr_type: str,
    start: datetime,
    end: datetime,
    *,
    data_type: str = "generation",
    business_type: str = "A01",
    skip: tuple[datetime, datetime] | None = None,
) -> int:
    meta = make_meta(
        area_code="ES",
        data_type=data_type,
        business_type=business_type,
        psr_type=psr_type,
        document_mrid=f"ES-{data_type}",
        time_series_mrid=f"ts-{psr_type}",
    )
    times = _quarters(start, end, skip)
    points = [EnergyPoint(t, Decimal(100 + i), meta) for i, t in enumerate(times)]  # type: ignore[arg-type]
    await PointsRepository(session).upsert(points)
    return len(points)


@pytest.fixture
async def spain(db_session: AsyncSession, make_meta: Callable[..., object]) -> AsyncSession:
    """ES generation: solar (A94) complete, gas with a 2-hour hole, wind onshore (A93) stopping
    after the first day, nuclear only ten days before; pumped storage consuming (out)."""
    await _store(db_session, make_meta, "B16", DAY0, END, business_type="A94")
    await _store(db_session, make_meta, "B04", DAY0, END, skip=HOLE)
    await _store(db_session, make_meta, "B19", DAY0, DAY0 + D, business_type="A93")
    await _store(db_session, make_meta, "B14", DAY0 - 10 * D, DAY0 - 9 * D)
    await _store(db_session, make_meta, "B10", DAY0, END, data_type="generation_consumption")
    return db_session


async def test_gaps_are_found_per_production_type_never_for_one_never_published(
    spain: AsyncSession,
) -> None:
    report = await coverage(spain, "ES", "generation", start=DAY0, end=END)

    per_day = 96
    assert report.psr_types == ("B04", "B16", "B19")  # stored in the range
    series = {(s.business_type, s.psr_type): s for s in report.series}
    # nuclear was published before: expected here although nothing is stored in the range;
    # biomass, wind offshore ... never were: not invented
    assert set(series) == {("A01", "B04"), ("A94", "B16"), ("A93", "B19"), ("A01", "B14")}
    assert (series[("A94", "B16")].count, series[("A94", "B16")].expected) == (2 * per_day,) * 2
    assert series[("A01", "B04")].expected - series[("A01", "B04")].count == 8
    assert series[("A93", "B19")].expected == 2 * per_day
    nuclear = series[("A01", "B14")]
    assert (nuclear.count, nuclear.first, nuclear.expected) == (0, None, 2 * per_day)
    # B14 is missing over the whole range, so every other gap merges into it
    (gap,) = report.gaps
    assert (gap.start, gap.end) == (DAY0, END)
    assert gap.psr_types == ("B04", "B14", "B19")
    assert gap.missing == 8 + per_day + 2 * per_day
    assert report.expected == report.count + gap.missing


async def test_a_production_type_that_stops_early_is_a_gap_up_to_the_items_end(
    spain: AsyncSession,
) -> None:
    """Over the whole stored history: wind onshore stopping a day before the item's end is a
    gap; nuclear gone for eleven days and the others starting ten days after it are outside
    the fleet there (longer than FLEET_GRACE), not gaps healing would ask for every hour."""
    report = await coverage(spain, "ES", "generation")  # the whole stored history

    assert report.start == DAY0 - 10 * D and report.end == END
    assert FLEET_GRACE == 7 * D
    gaps = [(g.start, g.end, g.psr_types) for g in report.gaps]
    assert gaps == [(*HOLE, ("B04",)), (DAY0 + D, END, ("B19",))]
    per_day = 96
    series = {s.psr_type: s for s in report.series}
    assert series["B14"].expected == series["B14"].count == per_day
    assert series["B19"].expected - series["B19"].count == per_day  # stopped a day early
    assert series["B16"].expected == series["B16"].count == 2 * per_day
    assert series["B04"].expected - series["B04"].count == 8
    consumption = await coverage(spain, "ES", "generation_consumption")
    assert (consumption.count, consumption.gaps, consumption.psr_types) == (2 * 96, (), ("B10",))
    # Within a week either way a missing type is a gap again: a lagging publication to heal.
    # (nuclear, absent from this range, is missing all over it: every gap merges into one)
    recent = await coverage(spain, "ES", "generation", start=DAY0 - 4 * D, end=END)
    assert [(g.start, g.end, g.psr_types) for g in recent.gaps] == [
        (DAY0 - 4 * D, END, ("B04", "B14", "B16", "B19"))
    ]


async def test_the_newest_point_is_per_production_type(spain: AsyncSession) -> None:
    newest = await StoredPoints(spain).latest(["ES"], "generation")

    by_psr = {p.meta.psr_type: p.timestamp for p in newest}
    assert by_psr == {
        "B04": END - Q,
        "B14": DAY0 - 9 * D - Q,
        "B16": END - Q,
        "B19": DAY0 + D - Q,
    }
    assert {p.meta.business_type for p in newest if p.meta.psr_type == "B16"} == {"A94"}
    # the item is as fresh as its newest series
    now = END + 30 * timedelta(minutes=1)
    (fresh,) = freshness(newest, [("ES", "generation")], now)
    assert fresh.last == END - Q and fresh.stored_end == END and fresh.state == "fresh"
    everything = await StoredPoints(spain).latest(["ES"])
    assert {p.meta.data_type for p in everything} == {"generation", "generation_consumption"}


async def test_spans_are_per_production_type(spain: AsyncSession) -> None:
    spans = [s for s in await StoredPoints(spain).spans() if s.area_code == "ES"]

    assert [(s.data_type, s.psr_type, s.count) for s in spans] == [
        ("generation", "B04", 2 * 96 - 8),
        ("generation", "B14", 96),
        ("generation", "B16", 2 * 96),
        ("generation", "B19", 96),
        ("generation_consumption", "B10", 2 * 96),
    ]
    whole = await StoredPoints(spain).span("ES", "generation")
    assert whole.count == sum(s.count for s in spans[:4]) and whole.last == END - Q


async def test_the_heatmap_expects_each_production_type_on_its_own_grid(
    spain: AsyncSession,
) -> None:
    now = datetime(2025, 3, 20, tzinfo=UTC)
    report = await status_report(
        spain, areas=["ES"], data_types=[DataType.GENERATION], now=now, months=2
    )

    rows = {(r.area_code, r.data_type): r for r in report.rows}
    march = {c.month: c for c in rows[("ES", "generation")].cells}["2025-03"]
    # Each series expected from its first point in the month to the month's due end: solar and
    # gas complete (gas missing its hole), wind stops after a day (its March still expected).
    assert march.present == 2 * 96 + (2 * 96 - 8) + 96
    assert march.present < march.expected
    feb = {c.month: c for c in rows[("ES", "generation")].cells}["2025-02"]
    assert feb.present == 96  # nuclear, 10 days before DAY0
    consumption = {c.month: c for c in rows[("ES", "generation_consumption")].cells}["2025-03"]
    assert consumption.present == 2 * 96
    (fresh,) = [f for f in report.freshness if f.data_type == "generation"]
    assert fresh.rhythm.text.startswith("every 15 min") and fresh.state == "late"
