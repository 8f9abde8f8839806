"""Properties: A03 round trips, and every resolution/zone/DST combination steps correctly."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.entsoe.areas import AREAS
from app.entsoe.processor import interval_starts, process
from tests.entsoe.xmlgen import TS, Doc, P

FIXED = {"PT15M": timedelta(minutes=15), "PT30M": timedelta(minutes=30),
         "PT60M": timedelta(hours=1)}  # fmt: skip
AREA_EICS = [a.eic for a in AREAS]
ZONES = sorted({a.tz for a in AREAS})
quantities = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)

common = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


@common
@given(
    day=st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    resolution=st.sampled_from(sorted(FIXED)),
    values=st.lists(
        st.sampled_from([Decimal(1), Decimal("2.5"), Decimal(-3)]) | quantities,
        min_size=1,
        max_size=300,
    ),
    eic=st.sampled_from(AREA_EICS),
)
def test_a03_encoding_round_trips(
    day: date, resolution: str, values: list[Decimal], eic: str
) -> None:
    """Encode a series as A03 (a position only where the value changes); decoding restores it."""
    step = FIXED[resolution]
    start = local_midnight(day, ZoneInfo("Europe/Berlin"))
    end = start + step * len(values)
    points = [(i + 1, str(v)) for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
    doc = Doc([TS([P(start, end, resolution, points)], curve_type="A03", area=eic)])
    rows = process(doc.xml())
    assert [r.timestamp for r in rows] == [start + k * step for k in range(len(values))]
    assert [r.quantity for r in rows] == values


@common
@given(
    day=st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    values=st.lists(st.one_of(st.none(), quantities), min_size=1, max_size=200),
)
def test_a01_never_invents_values(day: date, values: list[Decimal | None]) -> None:
    start = local_midnight(day, ZoneInfo("Europe/Prague"))
    end = start + timedelta(hours=len(values))
    points = [(i + 1, str(v)) for i, v in enumerate(values) if v is not None]
    rows = process(Doc([TS([P(start, end, "PT60M", points)])]).xml()) if points else []
    expected = [(start + timedelta(hours=i), v) for i, v in enumerate(values) if v is not None]
    assert [(r.timestamp, r.quantity) for r in rows] == expected


@common
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(date(2014, 1, 1), date(2031, 12, 31)),
    resolution=st.sampled_from(["PT15M", "PT30M", "PT60M", "PT1H", "P1D", "P7D", "P1M", "P1Y"]),
    count=st.integers(min_value=1, max_value=60),
)
def test_interval_starts_are_increasing_and_correctly_spaced(
    zone: str, day: date, resolution: str, count: int
) -> None:
    tz = ZoneInfo(zone)
    if resolution == "P1M":
        day = day.replace(day=1)
    if resolution == "P1Y":
        day = day.replace(month=1, day=1)
    start = local_midnight(day, tz)
    end = start + timedelta(days=400 * count)  # far enough for every resolution
    starts = interval_starts(start, end, resolution, tz)[:count]
    assert starts[0] == start
    assert all(s.tzinfo is UTC for s in starts)
    assert all(a < b for a, b in itertools.pairwise(starts))
    if resolution in FIXED or resolution == "PT1H":
        step = FIXED.get(resolution, timedelta(hours=1))
        assert all(b - a == step for a, b in itertools.pairwise(starts))
        return
    local = [s.astimezone(tz) for s in starts]
    assert all(t.time() == time() for t in local)  # every start is local midnight
    for a, b in itertools.pairwise(local):
        if resolution == "P1D":
            assert b.date() - a.date() == timedelta(days=1)
            assert (b - a) in {timedelta(hours=h) for h in (23, 24, 25)}
        elif resolution == "P7D":
            assert b.date() - a.date() == timedelta(days=7)
            assert abs((b - a) - timedelta(days=7)) <= timedelta(hours=1)
        elif resolution == "P1M":
            assert b.day == 1 and (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1
        else:
            assert (b.month, b.day, b.year - a.year) == (1, 1, 1)


@common
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(date(2014, 1, 1), date(2031, 12, 31)),
    resolution=st.sampled_from(["PT15M", "PT60M"]),
)
def test_a_local_day_holds_23_24_or_25_hours(zone: str, day: date, resolution: str) -> None:
    tz = ZoneInfo(zone)
    start, end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    per_hour = 4 if resolution == "PT15M" else 1
    n = len(interval_starts(start, end, resolution, tz))
    assert n == (end - start) // timedelta(hours=1) * per_hour
    assert n in {23 * per_hour, 24 * per_hour, 25 * per_hour}
