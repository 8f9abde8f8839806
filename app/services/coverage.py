"""What is stored for an area and item and what is missing.

Gaps are counted on each point's stored resolution grid (:func:`app.domain.timegrid.grid_count`,
calendar resolutions in the area's zone).

:func:`coverage` is the gap finder the healing job and ``GET /api/v1/coverage`` share: one SQL
pass over the whole stored history compares every point's successor (``lead``) with the step its
own stored resolution implies, so it stays one index range scan on years of 15-minute data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.timegrid import CALENDAR_STEPS, FINEST_STEP, FIXED_STEPS, grid_count
from app.entsoe.areas import get_area


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
_FINEST = int(FINEST_STEP.total_seconds())
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
