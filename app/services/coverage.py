"""What is stored for an area and item and what is missing: the gap finder.

:func:`coverage` is the gap finder the healing job and ``GET /api/v1/coverage`` share. The
repository (:class:`app.repositories.coverage.CoverageRepository`) finds every step between
stored points that is longer than the points' own resolution; here those steps are counted on
the resolution's grid (calendar ones in the area's zone, :mod:`app.domain.timegrid`) and merged
across business types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.timegrid import grid_count
from app.entsoe.areas import get_area
from app.repositories.coverage import CoverageRepository


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


def _merge(raw: list[tuple[datetime, datetime, str, int]]) -> tuple[Gap, ...]:
    """(start, end, business type, missing) of every business type -> gaps in time order, those
    that overlap or touch merged into one (their missing points summed)."""
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
    repository = CoverageRepository(session)
    stats = await repository.stats(area.code, data_type)
    if not stats:
        return Coverage(area.code, data_type, None, None, 0, 0, (), (), ())
    raw: list[tuple[datetime, datetime, str, int]] = []
    for g in await repository.gap_rows(area.code, data_type, area.tz):
        missing = grid_count(g.due, g.due, g.next_ts, g.resolution, area.zone)
        raw.append((g.due, g.next_ts, g.business_type, missing))
    count = sum(s.count for s in stats)
    return Coverage(
        area_code=area.code,
        data_type=data_type,
        first=min(s.first for s in stats),
        last=max(s.last for s in stats),
        count=count,
        expected=count + sum(r[3] for r in raw),
        resolutions=tuple(sorted({r for s in stats for r in s.resolutions})),
        business_types=tuple(sorted(s.business_type for s in stats)),
        gaps=_merge(raw),
    )
