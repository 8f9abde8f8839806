"""Resolutions and the time grids they step on: every step, bucket and month rule lives here.

A resolution is an ISO 8601 duration as ENTSO-E writes it. PTnM/PTnH step a fixed length in UTC;
P1D, P7D, P1M and P1Y step in the wall clock of a zone, so a day is 23, 24 or 25 hours, a month
28 to 31 days, and a daily point after a DST change still starts at local midnight. Instants
taken must be aware; instants returned are UTC. Ranges are half-open [start, end).

Two kinds of grid:

* the grid through an anchor, anchor + k steps for every integer k: what the stored points of one
  resolution lie on (:func:`boundaries`, :func:`grid_count`, :func:`grid_instants`);
* buckets, what answers aggregate to, aligned whatever the data: fixed sizes from
  :data:`BUCKET_ORIGIN` in UTC, calendar ones on the local midnight that starts a day, an ISO week
  (Monday), a month or a year (:func:`bucket_floor`, :func:`bucket_count`).
"""

from __future__ import annotations

import calendar
import operator
from datetime import UTC, datetime, timedelta
from itertools import accumulate, repeat
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Resolutions stepping a fixed length in UTC.
FIXED_STEPS: dict[str, timedelta] = {
    "PT15M": timedelta(minutes=15),
    "PT30M": timedelta(minutes=30),
    "PT60M": timedelta(hours=1),
    "PT1H": timedelta(hours=1),
}
# Resolutions stepping in the local calendar, as (days, months) added to the wall clock.
CALENDAR_STEPS: dict[str, tuple[int, int]] = {
    "P1D": (1, 0),
    "P7D": (7, 0),
    "P1M": (0, 1),
    "P1Y": (0, 12),
}
RESOLUTIONS = frozenset(FIXED_STEPS.keys() | CALENDAR_STEPS.keys())
FINEST_STEP = min(FIXED_STEPS.values())

# Fixed-size buckets count from here (SQL date_bin uses the same origin).
BUCKET_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
# The resolutions answers can be aggregated to, in the order the API lists them.
BUCKET_RESOLUTIONS: tuple[str, ...] = ("PT15M", "PT30M", "PT1H", "P1D", "P7D", "P1M")
# The local calendar unit a calendar bucket starts on (SQL date_trunc's names; "week" is ISO).
CALENDAR_BUCKET_UNITS: dict[str, str] = {
    "P1D": "day",
    "P7D": "week",
    "P1M": "month",
    "P1Y": "year",
}


def add_months(wall: datetime, months: int) -> datetime:
    """``wall`` moved by ``months`` calendar months; a day the target month lacks is clamped to
    its last day (Jan 31 + 1 month is Feb 29 in 2024)."""
    month0 = wall.month - 1 + months
    year, month = wall.year + month0 // 12, month0 % 12 + 1
    return wall.replace(
        year=year, month=month, day=min(wall.day, calendar.monthrange(year, month)[1])
    )


def _calendar_step(resolution: str) -> tuple[int, int]:
    step = CALENDAR_STEPS.get(resolution)
    if step is None:
        raise ValueError(f"unknown resolution {resolution!r}")
    return step


def _local_instant(wall0: datetime, zone: ZoneInfo, days: int, months: int, k: int) -> datetime:
    """Grid point ``k``: the naive wall time ``wall0`` stepped k times, in ``zone``, as UTC.

    Computed from ``wall0``, never from the previous point, so month-end clamping never drifts
    (Jan 31, Feb 29, Mar 31, not Mar 29).
    """
    wall = wall0 + timedelta(days=days * k) if days else add_months(wall0, months * k)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def boundaries(start: datetime, end: datetime, resolution: str, zone: ZoneInfo) -> list[datetime]:
    """Interval boundaries of the grid through ``start``, from ``start`` up to and including the
    first one at or after ``end``: [start, end) is a whole number of intervals exactly when the
    last boundary is ``end``, and the starts of the intervals beginning in it are all but the last.

    Aware ``start``/``end`` only; calendar resolutions step in ``zone`` from ``start``'s local
    time. Unknown resolution: ValueError.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    step = FIXED_STEPS.get(resolution)
    if step is not None:
        n = max(0, -((start - end) // step))  # ceil((end - start) / step) intervals
        # Summed in C: the hot loop of decoding a year of quarter-hours.
        return list(accumulate(repeat(step, n), operator.add, initial=start))
    days, months = _calendar_step(resolution)
    wall0 = start.astimezone(zone).replace(tzinfo=None)
    out: list[datetime] = []
    k = 0
    while True:
        t = _local_instant(wall0, zone, days, months, k)
        out.append(t)
        if t >= end:
            return out
        k += 1


def _calendar_index(t: datetime, wall0: datetime, zone: ZoneInfo, days: int, months: int) -> int:
    """The smallest k whose grid point (wall0 stepped k times in ``zone``) is at or after ``t``."""
    t_wall = t.astimezone(zone).replace(tzinfo=None)
    if days:
        k = (t_wall - wall0) // timedelta(days=days)
    else:
        k = ((t_wall.year - wall0.year) * 12 + t_wall.month - wall0.month) // months
    # The estimate is off by at most one step (time of day, DST); walk to the exact index.
    while _local_instant(wall0, zone, days, months, k) < t:
        k += 1
    while _local_instant(wall0, zone, days, months, k - 1) >= t:
        k -= 1
    return k


def grid_count(
    anchor: datetime, start: datetime, end: datetime, resolution: str, zone: ZoneInfo
) -> int:
    """How many points of the ``resolution`` grid through ``anchor`` lie in [start, end).

    The anchor may lie anywhere (the grid extends both ways). Fixed resolutions step in UTC,
    calendar ones in ``zone``'s wall clock, so across a DST change a P1D grid still lands on local
    midnights. Unknown resolution: ValueError.
    """
    if end <= start:
        return 0
    step = FIXED_STEPS.get(resolution)
    if step is not None:
        # ceil((t - anchor) / step), in exact integer microseconds
        first = -((anchor - start) // step)
        stop = -((anchor - end) // step)
        return stop - first
    days, months = _calendar_step(resolution)
    wall0 = anchor.astimezone(zone).replace(tzinfo=None)
    return _calendar_index(end, wall0, zone, days, months) - _calendar_index(
        start, wall0, zone, days, months
    )


def grid_instants(
    anchor: datetime, start: datetime, end: datetime, resolution: str, zone: ZoneInfo
) -> list[datetime]:
    """The points of the calendar ``resolution`` grid through ``anchor`` in [start, end) (UTC),
    stepped in ``zone``'s wall clock like :func:`grid_count`. Fixed resolutions: ValueError."""
    if resolution not in CALENDAR_STEPS:
        raise ValueError(f"not a calendar resolution {resolution!r}")
    days, months = CALENDAR_STEPS[resolution]
    wall0 = anchor.astimezone(zone).replace(tzinfo=None)
    out: list[datetime] = []
    k = _calendar_index(start, wall0, zone, days, months)
    while True:
        t = _local_instant(wall0, zone, days, months, k)
        if t >= end:
            return out
        out.append(t)
        k += 1


def bucket_floor(t: datetime, resolution: str, zone: ZoneInfo) -> datetime:
    """The UTC start of the ``resolution`` bucket holding ``t`` (as the SQL aggregation buckets):
    fixed sizes counted from :data:`BUCKET_ORIGIN`, calendar ones from the local midnight
    starting ``t``'s day, ISO week, month or year in ``zone``. Unknown resolution: ValueError."""
    step = FIXED_STEPS.get(resolution)
    if step is not None:
        return t - (t - BUCKET_ORIGIN) % step
    unit = CALENDAR_BUCKET_UNITS.get(resolution)
    if unit is None:
        raise ValueError(f"unknown resolution {resolution!r}")
    local = t.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if unit == "week":
        local -= timedelta(days=local.weekday())
    elif unit == "month":
        local = local.replace(day=1)
    elif unit == "year":
        local = local.replace(month=1, day=1)
    return local.replace(tzinfo=zone).astimezone(UTC)


def bucket_count(start: datetime, end: datetime, resolution: str, zone: ZoneInfo) -> int:
    """How many ``resolution`` buckets overlap [start, end) (a cut first or last one counts)."""
    first = bucket_floor(start, resolution, zone)
    return grid_count(first, first, end, resolution, zone)
