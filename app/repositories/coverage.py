"""What one area and item has stored over its whole history: per business type statistics and
the steps between consecutive points that are longer than their resolution (the gaps).

Takes an :class:`AsyncSession`; read-only, runs in the caller's transaction. The gap query is
one pass over the stored history: every point's successor (``lead``) is compared with the step
its own stored resolution implies, so it stays one index range scan on years of 15-minute data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.timegrid import CALENDAR_STEPS, FINEST_STEP, FIXED_STEPS


@dataclass(frozen=True, slots=True)
class BusinessTypeStats:
    """The stored points of one business type: how many, first and last (UTC), resolutions."""

    business_type: str
    count: int
    first: datetime
    last: datetime
    resolutions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StepGap:
    """A successor further away than one step: ``due`` is where the next point should have been
    (the last point + its ``resolution``), ``next_ts`` where it is; [due, next_ts) is missing."""

    business_type: str
    resolution: str
    due: datetime
    next_ts: datetime


def _next_expected(ts: str, tz: str) -> str:
    """SQL: the timestamp the point after ``ts`` should have, from the row's stored resolution;
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
    return "CASE resolution " + " ".join(fixed + local) + " END"


# lead() per business type over the stored order. Only a successor further away than the finest
# step can be a gap, so the series join (each point's own stored resolution: a switch from PT60M to
# PT15M is no gap) runs on those few candidates, not on every point.
_GAPS_SQL = f"""
WITH pts AS (
    SELECT business_type, "timestamp" AS ts, series_id,
           lead("timestamp") OVER (PARTITION BY business_type ORDER BY "timestamp") AS next_ts
    FROM energy_data_points
    WHERE area_code = :area AND data_type = :data_type
), candidates AS MATERIALIZED (
    SELECT business_type, ts, next_ts,
           (SELECT s.resolution FROM energy_series s WHERE s.id = pts.series_id) AS resolution
    FROM pts WHERE next_ts - ts > interval '{int(FINEST_STEP.total_seconds())} seconds'
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


class CoverageRepository:
    """Read-only coverage queries over ``energy_data_points`` of one area and item."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def stats(self, area_code: str, data_type: str) -> list[BusinessTypeStats]:
        """One entry per stored business type (none: nothing stored), in no particular order."""
        params = {"area": area_code, "data_type": data_type}
        rows = await self.session.execute(text(_STATS_SQL), params)
        return [
            BusinessTypeStats(business_type, count, first, last, tuple(resolutions))
            for business_type, count, first, last, resolutions in rows
        ]

    async def gap_rows(self, area_code: str, data_type: str, tz: str) -> list[StepGap]:
        """Every step longer than its stored resolution, per business type, ordered by ``due``;
        calendar resolutions step in the IANA zone ``tz`` (the area's)."""
        params = {"area": area_code, "data_type": data_type, "tz": tz}
        rows = await self.session.execute(text(_GAPS_SQL), params)
        return [StepGap(*row) for row in rows]
