"""Staying current and healing: what the scheduler's jobs collect.

- Current: per area and item, from the newest stored point minus a look-back (actual load and
  generation: 48 hours, configurable; forecasts: their horizon) up to what is published by now
  (:mod:`app.services.publication`: actuals the current hour; day-ahead forecasts the end of
  tomorrow in the area's local calendar; longer forecasts now plus their horizon). Re-reading
  the look-back picks up late values and revisions. An item fetched with another's request
  (``generation_consumption``) is kept current by that request's job.
- Healing: gaps anywhere in the stored history (the shared gap finder,
  :func:`app.services.coverage.coverage`) are re-collected, at most ``max_gaps`` per run, newest
  first. Each series (business type and production type) is checked on its own grid from the
  configured history start (now minus ``initial_history``, or the first stored point when that is
  earlier) to where the item's newest point ends, so one that starts late, stops early or never
  arrived is healed too (a production type only where the area has published it before). A gap is
  re-collected with its item's request, which brings every production type and the items fetched
  with it. What lies after the item's newest point is left to the current job, which asks for it
  from there on every run; healing it too would spend ``max_gaps`` on the same moving tail each
  hour. A gap ENTSO-E answers without data is remembered and asked again only after
  ``empty_gap_retry_after``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.database import Database
from app.entsoe.areas import get_area
from app.entsoe.items import DataType
from app.repositories.backfill_windows import EmptyGapRepository, Interval
from app.repositories.stored import StoredPoints
from app.services.collection import DataCollectionService
from app.services.coverage import coverage
from app.services.publication import current_range, floor_hour
from app.services.results import CollectionSummary
from app.services.selection import request_type

log = structlog.get_logger(__name__)


@dataclass(slots=True)
class HealSummary:
    gaps_found: int = 0
    gaps_skipped_remembered: int = 0
    collections: list[CollectionSummary] = field(default_factory=list)
    still_empty: int = 0
    filled: int = 0


def wholly_inside(gap: Interval, known: Sequence[Interval]) -> bool:
    return any(s <= gap[0] and gap[1] <= e for s, e in known)


class HealingService:
    """The scheduler's collections: keep every configured area and item current, heal gaps."""

    def __init__(
        self,
        collector: DataCollectionService,
        database: Database,
        *,
        actual_lookback: timedelta = timedelta(hours=48),
        generation_lookback: timedelta = timedelta(hours=48),
        initial_history: timedelta = timedelta(days=7),
        max_gaps: int = 20,
        empty_gap_retry_after: timedelta = timedelta(days=1),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.collector = collector
        self.database = database
        self.actual_lookback = actual_lookback
        self.generation_lookback = generation_lookback
        self.initial_history = initial_history
        self.max_gaps = max_gaps
        self.empty_gap_retry_after = empty_gap_retry_after
        self.clock = clock

    async def collect_current(
        self, data_type: DataType, areas: Sequence[str], *, job: str | None = None
    ) -> list[CollectionSummary]:
        """One incremental collection per area; an area another collection holds is skipped."""
        now = self.clock()
        codes = [get_area(a).code for a in areas]
        async with self.database.session() as session:
            newest = await StoredPoints(session).latest(codes, data_type.value)
        latest: dict[str, datetime] = {}
        for point in newest:
            code = point.meta.area_code
            latest[code] = max(latest.get(code, point.timestamp), point.timestamp)
        summaries = []
        for code in codes:
            start, end = current_range(
                data_type,
                code,
                latest.get(code),
                now,
                actual_lookback=self.actual_lookback,
                initial_history=self.initial_history,
                generation_lookback=self.generation_lookback,
            )
            summaries.append(
                await self.collector.collect(
                    code, data_type, start, end, trigger="scheduler", job=job, lock_wait=0
                )
            )
        return summaries

    async def heal(
        self, areas: Sequence[str], data_types: Sequence[DataType], *, job: str | None = None
    ) -> HealSummary:
        """Re-collect up to ``max_gaps`` gaps of the stored history, newest first."""
        now = self.clock()
        source = self.collector.data_source  # what one source answered empty, another may not
        result = HealSummary()
        candidates: list[tuple[Interval, str, DataType]] = []
        for code in (get_area(a).code for a in areas):
            for dt in data_types:
                async with self.database.session() as session:
                    gaps = await self._gaps(session, code, dt, now)
                    remembered = await EmptyGapRepository(session).checked_since(
                        code, dt.value, now - self.empty_gap_retry_after, data_source=source
                    )
                result.gaps_found += len(gaps)
                for gap in gaps:
                    if wholly_inside(gap, remembered):
                        result.gaps_skipped_remembered += 1
                    else:
                        candidates.append((gap, code, dt))
        candidates.sort(key=lambda c: c[0][0], reverse=True)
        healed: dict[tuple[str, DataType], list[Interval]] = {}
        asked: dict[tuple[str, DataType, Interval], CollectionSummary] = {}
        for gap, code, dt in candidates[: self.max_gaps]:
            # generation and generation_consumption missing the same span: one request heals both
            key = (code, request_type(dt), gap)
            summary = asked.get(key)
            if summary is None:
                summary = asked[key] = await self.collector.collect(
                    code, dt, gap[0], gap[1], trigger="scheduler", job=job, lock_wait=0
                )
                result.collections.append(summary)
            if summary.status == "succeeded":  # a failed or skipped one says nothing
                healed.setdefault((code, dt), []).append(gap)
        for (code, dt), spans in healed.items():
            async with self.database.session() as session:
                left = await self._gaps(session, code, dt, now)
                empty = [g for g in spans if wholly_inside(g, left)]
                filled = [g for g in spans if not wholly_inside(g, left)]
                repo = EmptyGapRepository(session)
                await repo.remember(code, dt.value, empty, data_source=source, now=now)
                await repo.forget(code, dt.value, filled, data_source=source)
            result.still_empty += len(empty)
            result.filled += len(filled)
        log.info(
            "heal.finished",
            gaps_found=result.gaps_found,
            remembered_skipped=result.gaps_skipped_remembered,
            collected=len(result.collections),
            filled=result.filled,
            still_empty=result.still_empty,
        )
        return result

    async def _gaps(
        self, session: AsyncSession, code: str, dt: DataType, now: datetime
    ) -> list[Interval]:
        history_start = floor_hour(now - self.initial_history)
        report = await coverage(session, code, dt.value, history_start=history_start)
        return [(g.start, g.end) for g in report.gaps]
