"""What is stored for an area and item, what is missing, and how many points a range should hold.

Grids: PTnM/PTnH points step in UTC; P1D, P7D, P1M and P1Y points step in the local calendar of a
zone (a day is 23, 24 or 25 hours). :func:`grid_count` counts the points of the grid through an
anchor that fall in a half-open range; the API uses it for "expected points" and this module for
the size of each gap.

:func:`coverage` is the gap finder the healing job and ``GET /api/v1/coverage`` share: one SQL
pass over the whole stored history compares every point's successor (``lead``) with the step its
own stored resolution implies, so it stays one index range scan on years of 15-minute data.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.entsoe.areas import get_area
from app.entsoe.processor import CALENDAR_STEPS, FIXED_STEPS

# date_bin's origin for fixed-size buckets; P7D buckets start on Mondays like date_trunc('week').
BUCKET_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)


def known_resolution(resolution: str) -> bool:
    return resolution in FIXED_STEPS or resolution in CALENDAR_STEPS


def _add_months(wall: datetime, months: int) -> datetime:
    month0 = wall.month - 1 + months
    year, month = wall.year + month0 // 12, month0 % 12 + 1
    return wall.replace(
        year=year, month=month, day=min(wall.day, calendar.monthrange(year, month)[1])
    )


def _calendar_index(t: datetime, wall0: datetime, zone: ZoneInfo, days: int, months: int) -> int:
    """The smallest k whose grid point (wall0 stepped k times in ``zone``) is at or after ``t``."""

    def instant(k: int) -> datetime:
        wall = wall0 + timedelta(days=days * k) if days else _add_months(wall0, months * k)
        return wall.replace(tzinfo=zone).astimezone(UTC)

    t_wall = t.astimezone(zone).replace(tzinfo=None)
    if days:
        k = (t_wall - wall0) // timedelta(days=days)
    else:
        k = ((t_wall.year - wall0.year) * 12 + t_wall.month - wall0.month) // months
    # The estimate is off by at most one step (time of day, DST); walk to the exact index.
    while instant(k) < t:
        k += 1
    while instant(k - 1) >= t:
        k -= 1
    return k


def grid_count(
    anchor: datetime, start: datetime, end: datetime, resolution: str, zone: ZoneInfo
) -> int:
    """How many points of the ``resolution`` grid through ``anchor`` lie in [start, end).

    Fixed resolutions step in UTC; calendar ones in ``zone``'s wall clock, so across a DST change
    a P1D grid still lands on local midnights. Unknown resolution: ValueError.
    """
    if end <= start:
        return 0
    step = FIXED_STEPS.get(resolution)
    if step is not None:
        # ceil((t - anchor) / step), in exact integer microseconds
        first = -((anchor - start) // step)
        stop = -((anchor - end) // step)
        return stop - first
    if resolution not in CALENDAR_STEPS:
        raise ValueError(f"unknown resolution {resolution!r}")
    days, months = CALENDAR_STEPS[resolution]
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
        wall = wall0 + timedelta(days=days * k) if days else _add_months(wall0, months * k)
        t = wall.replace(tzinfo=zone).astimezone(UTC)
        if t >= end:
            return out
        out.append(t)
        k += 1


def bucket_floor(t: datetime, resolution: str, zone: ZoneInfo) -> datetime:
    """The UTC start of the ``resolution`` bucket holding ``t`` (as the SQL aggregation buckets)."""
    step = FIXED_STEPS.get(resolution)
    if step is not None:
        return t - (t - BUCKET_ORIGIN) % step
    local = t.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    if resolution == "P7D":
        local -= timedelta(days=local.weekday())
    elif resolution == "P1M":
        local = local.replace(day=1)
    elif resolution == "P1Y":
        local = local.replace(month=1, day=1)
    elif resolution != "P1D":
        raise ValueError(f"unknown resolution {resolution!r}")
    return local.replace(tzinfo=zone).astimezone(UTC)


def bucket_count(start: datetime, end: datetime, resolution: str, zone: ZoneInfo) -> int:
    """How many ``resolution`` buckets overlap [start, end)."""
    first = bucket_floor(start, resolution, zone)
    return grid_count(first, first, end, resolution, zone)


@dataclass(frozen=True, slots=True)
class Gap:
    """Missing intervals [start, end) (UTC); ``missing`` points over the listed business types."""

    start: datetime
    end: datetime
    business_types: tuple[str, ...]
    missing: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """One area and item over its whole stored history (all business types together).

    ``first``/``last`` are the first and last stored timestamps, ``expected`` the points the
    grid between them holds (per business type, at each point's stored resolution), and
    ``gaps`` the holes between stored points, merged across business types, in time order.
    Nothing stored: first/last None, count 0, completeness None.
    """

    area_code: str
    data_type: str
    first: datetime | None
    last: datetime | None
    count: int
    expected: int
    resolutions: tuple[str, ...]
    business_types: tuple[str, ...]
    gaps: tuple[Gap, ...]

    @property
    def completeness(self) -> float | None:
        return self.count / self.expected if self.expected else None


def _next_expected(ts: str, tz: str) -> str:
    """SQL: the timestamp the point after ``ts`` should have, from the row's stored resolution."""
    fixed = [
        f"WHEN '{r}' THEN {ts} + interval '{int(s.total_seconds())} seconds'"
        for r, s in FIXED_STEPS.items()
    ]
    local = [
        f"WHEN '{r}' THEN ({ts} AT TIME ZONE {tz} + interval '{d} days {m} months')"
        f" AT TIME ZONE {tz}"
        for r, (d, m) in CALENDAR_STEPS.items()
    ]
    return "CASE resolution " + " ".join(fixed + local) + " END"


# lead() per business type over the stored order. Only a successor further away than the finest
# step can be a gap, so the series join (each point's own stored resolution: a switch from PT60M to
# PT15M is no gap) runs on those few candidates, not on every point.
_FINEST = int(min(FIXED_STEPS.values()).total_seconds())
_GAPS_SQL = f"""
WITH pts AS (
    SELECT business_type, "timestamp" AS ts, series_id,
           lead("timestamp") OVER (PARTITION BY business_type ORDER BY "timestamp") AS next_ts
    FROM energy_data_points
    WHERE area_code = :area AND data_type = :data_type
), candidates AS MATERIALIZED (
    SELECT business_type, ts, next_ts,
           (SELECT s.resolution FROM energy_series s WHERE s.id = pts.series_id) AS resolution
    FROM pts WHERE next_ts - ts > interval '{_FINEST} seconds'
), steps AS (
    SELECT business_type, resolution, next_ts, {_next_expected("ts", "CAST(:tz AS text)")} AS due
    FROM candidates
)
SELECT business_type, resolution, due, next_ts FROM steps WHERE next_ts > due ORDER BY due
"""  # noqa: S608

_STATS_SQL = """
WITH per_series AS (
    SELECT business_type, series_id, count(*) AS n, min("timestamp") AS first,
           max("timestamp") AS last
    FROM energy_data_points
    WHERE area_code = :area AND data_type = :data_type
    GROUP BY business_type, series_id
)
SELECT g.business_type, sum(g.n)::int8, min(g.first), max(g.last), array_agg(DISTINCT s.resolution)
FROM per_series g JOIN energy_series s ON s.id = g.series_id
GROUP BY g.business_type
"""


def _merge(raw: list[tuple[datetime, datetime, str, int]]) -> tuple[Gap, ...]:
    merged: list[Gap] = []
    for start, end, business_type, missing in sorted(raw):
        last = merged[-1] if merged else None
        if last is not None and start <= last.end:
            types = tuple(sorted({*last.business_types, business_type}))
            merged[-1] = Gap(last.start, max(last.end, end), types, last.missing + missing)
        else:
            merged.append(Gap(start, end, (business_type,), missing))
    return tuple(merged)


async def coverage(session: AsyncSession, area_code: str, data_type: str) -> Coverage:
    """First/last/count, expected points and the gaps of one area and item (the whole history).

    ``area_code`` is a registry code or EIC (UnknownAreaError otherwise); its zone steps the
    calendar resolutions. Read-only; runs in the caller's transaction.
    """
    area = get_area(area_code)
    params = {"area": area.code, "data_type": data_type, "tz": area.tz}
    stats = (await session.execute(text(_STATS_SQL), params)).all()
    if not stats:
        return Coverage(area.code, data_type, None, None, 0, 0, (), (), ())
    raw: list[tuple[datetime, datetime, str, int]] = []
    for business_type, resolution, due, next_ts in await session.execute(text(_GAPS_SQL), params):
        missing = grid_count(due, due, next_ts, resolution, area.zone)
        raw.append((due, next_ts, business_type, missing))
    count = sum(row[1] for row in stats)
    return Coverage(
        area_code=area.code,
        data_type=data_type,
        first=min(row[2] for row in stats),
        last=max(row[3] for row in stats),
        count=count,
        expected=count + sum(r[3] for r in raw),
        resolutions=tuple(sorted({r for row in stats for r in row[4]})),
        business_types=tuple(sorted(row[0] for row in stats)),
        gaps=_merge(raw),
    )
