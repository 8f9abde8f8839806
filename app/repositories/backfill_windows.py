"""What has been asked of ENTSO-E: windows a backfill finished (``backfill_windows``) and gaps it
answered without data (``collection_empty_gaps``).

Both are kept per data source (``entsoe``, ``entsoe-sandbox``): what the sandbox answered says
nothing about what ENTSO-E holds, so a sandbox run never makes a real collection skip a window
or a gap. Both take an :class:`AsyncSession` and never commit: a backfill window is recorded in
the same transaction as its points. Writes are one set-based statement each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import backfill_windows, collection_empty_gaps

Interval = tuple[datetime, datetime]


class BackfillWindowRepository:
    """``backfill_windows``: what a backfill has durably finished."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def done(
        self, area_code: str, data_type: str, start: datetime, end: datetime, *, data_source: str
    ) -> list[Interval]:
        """Windows of (area, item) finished from ``data_source`` that overlap [start, end),
        ordered by start."""
        t = backfill_windows.c
        result = await self.session.execute(
            select(t.window_start, t.window_end)
            .where(
                t.area_code == area_code,
                t.data_type == data_type,
                t.data_source == data_source,
                t.window_start < end,
                t.window_end > start,
            )
            .order_by(t.window_start)
        )
        return [(row[0], row[1]) for row in result]

    async def record(
        self,
        area_code: str,
        data_type: str,
        window: Interval,
        *,
        data_source: str,
        requests: int,
        points: int,
        inserted: int,
        updated: int,
        unchanged: int,
        empty: bool,
    ) -> None:
        """Mark a window finished from ``data_source`` (again: a repeat overwrites the counts)."""
        counts = {
            "requests": requests,
            "points": points,
            "inserted": inserted,
            "updated": updated,
            "unchanged": unchanged,
            "empty": empty,
        }
        stmt = pg_insert(backfill_windows).values(
            area_code=area_code,
            data_type=data_type,
            data_source=data_source,
            window_start=window[0],
            window_end=window[1],
            **counts,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["area_code", "data_type", "data_source", "window_start", "window_end"],
            set_={**counts, "finished_at": func.now()},
        )
        await self.session.execute(stmt)


class EmptyGapRepository:
    """``collection_empty_gaps``: gaps ENTSO-E answered without data, and when that was."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def checked_since(
        self, area_code: str, data_type: str, since: datetime, *, data_source: str
    ) -> list[Interval]:
        """Gaps of (area, item) that ``data_source`` answered empty at or after ``since``."""
        t = collection_empty_gaps.c
        result = await self.session.execute(
            select(t.gap_start, t.gap_end)
            .where(
                t.area_code == area_code,
                t.data_type == data_type,
                t.data_source == data_source,
                t.last_checked_at >= since,
            )
            .order_by(t.gap_start)
        )
        return [(row[0], row[1]) for row in result]

    async def remember(
        self,
        area_code: str,
        data_type: str,
        gaps: Sequence[Interval],
        *,
        data_source: str,
        now: datetime,
    ) -> None:
        """``data_source`` answered these gaps empty at ``now``."""
        if not gaps:
            return
        rows = [
            {
                "area_code": area_code,
                "data_type": data_type,
                "data_source": data_source,
                "gap_start": s,
                "gap_end": e,
                "first_seen_at": now,
                "last_checked_at": now,
            }
            for s, e in gaps
        ]
        stmt = pg_insert(collection_empty_gaps).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["area_code", "data_type", "data_source", "gap_start", "gap_end"],
            set_={
                "last_checked_at": stmt.excluded.last_checked_at,
                "attempts": collection_empty_gaps.c.attempts + 1,
            },
        )
        await self.session.execute(stmt)

    async def forget(
        self, area_code: str, data_type: str, gaps: Sequence[Interval], *, data_source: str
    ) -> None:
        """``data_source`` has answered these gaps with data: forget they were empty."""
        if not gaps:
            return
        t = collection_empty_gaps.c
        await self.session.execute(
            collection_empty_gaps.delete().where(
                and_(
                    t.area_code == area_code,
                    t.data_type == data_type,
                    t.data_source == data_source,
                    tuple_(t.gap_start, t.gap_end).in_([tuple(g) for g in gaps]),
                )
            )
        )
