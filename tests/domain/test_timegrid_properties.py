"""Properties: every resolution, zone and DST combination steps correctly, counted or listed."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.timegrid import boundaries, grid_count
from app.entsoe.areas import AREAS

FIXED = {"PT15M": timedelta(minutes=15), "PT30M": timedelta(minutes=30),
         "PT60M": timedelta(hours=1), "PT1H": timedelta(hours=1)}  # fmt: skip
ZONES = sorted({a.tz for a in AREAS})

common = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


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
    starts = boundaries(start, end, resolution, tz)[:-1][:count]
    assert starts[0] == start
    assert all(s.tzinfo is UTC for s in starts)
    assert all(a < b for a, b in itertools.pairwise(starts))
    if resolution in FIXED:
        assert all(b - a == FIXED[resolution] for a, b in itertools.pairwise(starts))
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
    n = len(boundaries(start, end, resolution, tz)) - 1
    assert n == (end - start) // timedelta(hours=1) * per_hour
    assert n in {23 * per_hour, 24 * per_hour, 25 * per_hour}


@common
@given(
    zone=st.sampled_from(ZONES),
    anchor_day=st.dates(date(2014, 1, 1), date(2031, 12, 31)),
    offset_minutes=st.integers(min_value=0, max_value=400 * 24 * 60),
    span_minutes=st.integers(min_value=0, max_value=400 * 24 * 60),
    resolution=st.sampled_from(["PT15M", "PT60M", "P1D", "P7D", "P1M", "P1Y"]),
)
def test_counting_the_grid_agrees_with_listing_it(
    zone: str, anchor_day: date, offset_minutes: int, span_minutes: int, resolution: str
) -> None:
    """grid_count (arithmetic from an estimate) == the grid points listed from the anchor; an
    anchor on the 29th..31st also checks month-end clamping."""
    tz = ZoneInfo(zone)
    anchor = local_midnight(anchor_day, tz)
    start = anchor + timedelta(minutes=offset_minutes)
    end = start + timedelta(minutes=span_minutes)
    grid = boundaries(anchor, end, resolution, tz)
    assert grid_count(anchor, start, end, resolution, tz) == sum(start <= t < end for t in grid)
