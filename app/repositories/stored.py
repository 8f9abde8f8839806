"""Stored points as :class:`EnergyPoint`, and what is stored per area and data type.

The reads other than the API's range answers (those are :mod:`app.repositories.readings`): a
range of points, the newest point per area (incremental collection, /energy-data/latest) and the
stored span per area and data type (/areas). Timestamps in and out are aware UTC instants;
ranges are half-open [start, end). Repositories never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.points import EnergyPoint, SeriesMeta
from app.entsoe.items import DataType
from app.repositories import stored_sql as sql
from app.repositories.points_batch import require_aware


@dataclass(frozen=True, slots=True)
class StoredSpan:
    """What is stored for one area, data type and production type (``psr_type``: ``""`` for
    series without one, or for a span of every production type together, :meth:`span`): first
    and last timestamp (UTC), row count.

    Not a gap report (that is :class:`app.services.coverage.Coverage`): rows between first and
    last may be missing.
    """

    area_code: str
    data_type: str
    first: datetime | None
    last: datetime | None
    count: int
    psr_type: str = ""


class StoredPoints:
    """Read-only queries over ``energy_data_points`` and ``energy_series`` in the caller's
    session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def range(
        self,
        area_code: str,
        data_types: Sequence[str],
        start: datetime,
        end: datetime,
        business_type: str | None = None,
    ) -> list[EnergyPoint]:
        """Points of one area in [start, end), ordered by timestamp, data type, production type,
        business type."""
        require_aware(start, "start")
        require_aware(end, "end")
        if not data_types or start >= end:
            return []
        params = {
            "area": area_code,
            "types": list(data_types),
            "start": start,
            "end": end,
            "btype": business_type,
        }
        rows = await self._session.execute(text(sql.RANGE), params)
        return _points(rows)

    async def latest(
        self, area_codes: Sequence[str], data_type: str | None = None
    ) -> list[EnergyPoint]:
        """The newest stored point(s) per area, data type (all data types when None) and
        production type.

        One point per business type present at that production type's newest timestamp (load
        has one production type, ``""``), ordered by area, data type, production type, business
        type; areas or types with nothing stored are absent. A production type that stopped
        early answers its own newest point, older than its siblings'.
        """
        types = [data_type] if data_type is not None else [d.value for d in DataType]
        if not area_codes:
            return []
        params = {"areas": list(area_codes), "types": types}
        rows = await self._session.execute(text(sql.LATEST), params)
        return _points(rows)

    async def span(
        self, area_code: str, data_type: str, business_type: str | None = None
    ) -> StoredSpan:
        """First and last timestamp and number of rows stored for one area and data type (every
        production type together)."""
        params = {"area": area_code, "type": data_type, "btype": business_type}
        first, last, count = (await self._session.execute(text(sql.SPAN), params)).one()
        return StoredSpan(area_code, data_type, first, last, count)

    async def spans(self) -> list[StoredSpan]:
        """The span of every stored (area, data type, production type), in that order."""
        rows = await self._session.execute(text(sql.SPANS))
        return [StoredSpan(*row) for row in rows]


def _points(rows: Any) -> list[EnergyPoint]:
    """Rows of :data:`stored_sql.RANGE`/``LATEST`` as points; one SeriesMeta per series (its
    fields in order, ``psr_type`` last)."""
    metas: dict[tuple[Any, ...], SeriesMeta] = {}
    points = []
    for row in rows:
        key = tuple(row[2:])
        meta = metas.get(key)
        if meta is None:
            meta = metas[key] = SeriesMeta(*key)
        points.append(EnergyPoint(row[0], row[1], meta))
    return points
