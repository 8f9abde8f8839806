"""Forecast accuracy: the day-ahead load forecast against the actual load, computed in SQL
(:mod:`app.repositories.readings_accuracy_sql`). Ranges are half-open [start, end); timestamps
are UTC. Repositories never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.database import has_timescale
from app.entsoe.areas import get_area
from app.repositories.readings_accuracy_sql import accuracy_sql
from app.repositories.readings_rows import Bucketing


class ForecastAccuracy:
    """Read-only queries in the caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def compare(
        self, area_code: str, start: datetime, end: datetime, bucketing: Bucketing | None
    ) -> list[tuple[Any, ...]]:
        """Day-ahead vs actual (time-averaged to each forecast interval, see
        :func:`readings_accuracy_sql.accuracy_sql`): rows (bucket, points, MAE, RMSE, MAPE %,
        bias, points with a non-zero actual, forecast resolutions compared), the overall one
        first; ``bucketing`` None: the overall row only."""
        timescale = await has_timescale(self._session) if bucketing else False
        statement = accuracy_sql(bucketing.resolution if bucketing else None, timescale=timescale)
        params = {
            "area": area_code,
            "start": start,
            "end": end,
            "tz": bucketing.tz if bucketing else "UTC",
            "area_tz": get_area(area_code).tz,
        }
        return [tuple(row) for row in await self._session.execute(text(statement), params)]
