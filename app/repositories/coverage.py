"""What one area and item has stored in a time range: per series statistics (a series is one
business type and production type) and every stretch of that series' grid without points (the
gaps), and which series the area has ever published.

Takes an :class:`AsyncSession`; read-only, runs in the caller's transaction. Each query is one
set-based pass over the range (index range scans of the primary key, one per production type):
the statistics group by series, the gap query compares every point's successor (``lead``) with
the step its own stored resolution implies, so years of 15-minute data are never walked in
Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.database import jit_off
from app.domain.timegrid import CALENDAR_STEPS, FINEST_STEP, FIXED_STEPS
from app.repositories.readings_rows import ANY_PSR_SQL


@dataclass(frozen=True, slots=True)
class SeriesStats:
    """The stored points of one series (business type, production type) in the range: how
    many, first and last (UTC), resolutions, and ``end``: where the point after the last one is
    due (last + its step)."""

    business_type: str
    psr_type: str
    count: int
    first: datetime
    last: datetime
    resolutions: tuple[str, ...]
    end: datetime


@dataclass(frozen=True, slots=True)
class StepGap:
    """[start, end) of one series (business type, production type) holds no point though its
    grid says it should.

    The grid is the one of ``resolution`` through ``anchor``, a stored point's timestamp or
    the instant the point after one is due: between points, ``start`` is the due instant and
    ``end`` the next point; before the first point ``start`` is the range start and ``end``
    the first point; after the last, ``start`` is the due instant and ``end`` the range end.
    """

    business_type: str
    psr_type: str
    resolution: str
    anchor: datetime
    start: datetime
    end: datetime


def _next_expected(ts: str, resolution: str, tz: str) -> str:
    """SQL: the timestamp the point after ``ts`` should have, from ``resolution`` (a column);
    calendar steps are taken in zone ``tz`` (an SQL text expression)."""
    fixed = [
        f"WHEN '{r}' THEN {ts} + interval '{int(s.total_seconds())} seconds'"
        for r, s in FIXED_STEPS.items()
    ]
    local = [
        f"WHEN '{r}' THEN ({ts} AT TIME ZONE {tz} + interval '{d} days {m} months')"
        f" AT TIME ZONE {tz}"
        for r, (d, m) in CALENDAR_STEPS.items()
    ]
    return f"CASE {resolution} " + " ".join(fixed + local) + " END"


# [start, end); a NULL bound is no bound.
_IN_TIME = """"timestamp" >= coalesce(CAST(:start AS timestamptz), '-infinity')
      AND "timestamp" < coalesce(CAST(:end AS timestamptz), 'infinity')"""
# Every production type named, so the time bounds one index range per type.
_IN_RANGE = f"""area_code = :area AND data_type = :data_type AND psr_type = ANY({ANY_PSR_SQL})
      AND {_IN_TIME}"""

_STATS_SQL = f"""
WITH per_series AS (
    SELECT business_type, psr_type, series_id, count(*) AS n, min("timestamp") AS first,
           max("timestamp") AS last
    FROM energy_data_points
    WHERE {_IN_RANGE}
    GROUP BY business_type, psr_type, series_id
)
SELECT g.business_type, g.psr_type, sum(g.n)::int8, min(g.first), max(g.last),
       array_agg(DISTINCT s.resolution),
       max({_next_expected("g.last", "s.resolution", "CAST(:tz AS text)")})
FROM per_series g JOIN energy_series s ON s.id = g.series_id
GROUP BY g.business_type, g.psr_type
"""  # noqa: S608

# lag()/lead() per series over the stored order, one series (business type, production type)
# at a time (LATERAL): each orders only its own rows by time, in memory, where one window over
# every type of an area-year (20 types, 0.7M rows) sorted them all by (type, business type, time)
# together and spilled to disk (1.1 s of 2 s). Only a series' first and last point and a
# successor further away than the finest step can border a gap, so the series lookup (each
# point's own stored resolution: a switch from PT60M to PT15M is no gap) runs on those few
# candidates, not on every point.
_GAPS_SQL = f"""
WITH pts AS (
    SELECT k.business_type, k.psr_type, p.ts, p.series_id, p.prev_ts, p.next_ts
    FROM unnest(CAST(:btypes AS text[]), CAST(:psrs AS text[])) AS k(business_type, psr_type)
    CROSS JOIN LATERAL (
        SELECT "timestamp" AS ts, series_id,
               lag("timestamp") OVER w AS prev_ts, lead("timestamp") OVER w AS next_ts
        FROM energy_data_points
        WHERE area_code = :area AND data_type = :data_type AND psr_type = k.psr_type
          AND business_type = k.business_type AND {_IN_TIME}
        WINDOW w AS (ORDER BY "timestamp")
    ) p
), candidates AS MATERIALIZED (
    SELECT business_type, psr_type, ts, prev_ts, next_ts,
           (SELECT s.resolution FROM energy_series s WHERE s.id = pts.series_id) AS resolution
    FROM pts
    WHERE prev_ts IS NULL OR next_ts IS NULL
       OR next_ts - ts > interval '{int(FINEST_STEP.total_seconds())} seconds'
), steps AS (
    SELECT business_type, psr_type, resolution, ts, prev_ts,
           coalesce(next_ts, CAST(:end AS timestamptz)) AS next_ts,
           {_next_expected("ts", "resolution", "CAST(:tz AS text)")} AS due
    FROM candidates
)
SELECT business_type, psr_type, resolution, ts, CAST(:start AS timestamptz), ts
FROM steps WHERE prev_ts IS NULL AND ts > CAST(:start AS timestamptz)
UNION ALL
SELECT business_type, psr_type, resolution, due, due, next_ts FROM steps WHERE next_ts > due
ORDER BY 5, 1, 2
"""  # noqa: S608

# Every series the area ever stored for the item: its production types by a skip scan of the
# key (one probe each), and the business types of each one's newest point (one backward probe).
_KNOWN_SERIES_SQL = """
WITH RECURSIVE psr AS (
    SELECT (SELECT min(psr_type) FROM energy_data_points
            WHERE area_code = :area AND data_type = :data_type) AS psr_type
    UNION ALL
    SELECT (SELECT min(e.psr_type) FROM energy_data_points e
            WHERE e.area_code = :area AND e.data_type = :data_type AND e.psr_type > psr.psr_type)
    FROM psr WHERE psr.psr_type IS NOT NULL
)
SELECT DISTINCT p.business_type, p.psr_type
FROM psr
CROSS JOIN LATERAL (
    SELECT max(e."timestamp") AS ts FROM energy_data_points e
    WHERE e.area_code = :area AND e.data_type = :data_type AND e.psr_type = psr.psr_type
) newest
JOIN energy_data_points p
    ON p.area_code = :area AND p.data_type = :data_type AND p.psr_type = psr.psr_type
   AND p."timestamp" = newest.ts
WHERE psr.psr_type IS NOT NULL
"""


_STORED_AREAS_SQL = """
SELECT c FROM unnest(CAST(:codes AS text[])) AS c
WHERE EXISTS (SELECT 1 FROM energy_data_points p WHERE p.area_code = c)
"""


class CoverageRepository:
    """Read-only coverage queries over ``energy_data_points`` of one area and item.

    Calendar resolutions step in the IANA zone ``tz`` (the area's).
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def stats(
        self,
        area_code: str,
        data_type: str,
        tz: str,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[SeriesStats]:
        """One entry per series stored in [start, end) (None: unbounded), in no particular
        order; none when nothing is stored there."""
        params = {"area": area_code, "data_type": data_type, "tz": tz, "start": start, "end": end}
        rows = await self.session.execute(text(_STATS_SQL), params)
        return [
            SeriesStats(business_type, psr_type, count, first, last, tuple(resolutions), due)
            for business_type, psr_type, count, first, last, resolutions, due in rows
        ]

    async def known_series(self, area_code: str, data_type: str) -> set[tuple[str, str]]:
        """(business type, production type) of every series of the item the area has stored
        at any time (the business types a production type's newest point carries)."""
        params = {"area": area_code, "data_type": data_type}
        rows = await self.session.execute(text(_KNOWN_SERIES_SQL), params)
        return {(business_type, psr_type) for business_type, psr_type in rows}

    async def stored_areas(self, area_codes: list[str]) -> set[str]:
        """Those of ``area_codes`` with at least one stored point (one index probe each)."""
        rows = await self.session.execute(text(_STORED_AREAS_SQL), {"codes": area_codes})
        return {code for (code,) in rows}

    async def gap_rows(
        self,
        area_code: str,
        data_type: str,
        tz: str,
        start: datetime,
        end: datetime,
        series: Sequence[tuple[str, str]],
    ) -> list[StepGap]:
        """Every stretch of [start, end) one of ``series`` (business type, production type:
        every series stored in the range, see :meth:`stats`) has no point in, though its grid
        says one is due there: before its first point, between points (a step longer than the
        earlier point's resolution) and after its last point. Ordered by start."""
        params = {
            "area": area_code,
            "data_type": data_type,
            "tz": tz,
            "start": start,
            "end": end,
            "btypes": [b for b, _ in series],
            "psrs": [p for _, p in series],
        }
        await jit_off(self.session)  # compiling took 0.34 s of an area-year's 2 s
        rows = await self.session.execute(text(_GAPS_SQL), params)
        return [StepGap(*row) for row in rows]
