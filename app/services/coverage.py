"""What is stored for an area and item and what is missing: the gap finder.

:func:`coverage` is the gap finder the healing job and ``GET /api/v1/coverage`` share. Each
business type of the item (week-ahead: min A60 and max A61) is one series, checked on its own
grid over one range [start, end): from the configured history start (or the first stored point)
to an end (by default where the item's newest point ends). So a business type that starts late,
stops early or never arrived while its sibling did is a gap, not just a hole between two of its
own points. The repository (:class:`app.repositories.coverage.CoverageRepository`) finds the
stretches without points; here their missing points are counted on the resolution's grid
(calendar ones in the area's zone, :mod:`app.domain.timegrid`) and the gaps merged across
business types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.timegrid import grid_count
from app.entsoe.areas import get_area
from app.entsoe.items import ITEMS, DataType
from app.repositories.coverage import BusinessTypeStats, CoverageRepository


@dataclass(frozen=True, slots=True)
class Gap:
    """Missing intervals [start, end) (UTC); ``missing`` points over the listed business types."""

    start: datetime
    end: datetime
    business_types: tuple[str, ...]
    missing: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """One area and item over the range [start, end) (UTC), all business types together.

    ``first``/``last`` are the first and last stored timestamps in the range, ``expected`` the
    points the range should hold (per business type, on the grid of its stored points; a
    business type the item should carry but that has no point in the range is expected as
    often as its most complete sibling), and ``gaps`` the stretches without points, merged
    across business types, in time order. Nothing stored in the range: first/last None,
    count 0, no gaps (there is no grid to count on), completeness None.
    """

    area_code: str
    data_type: str
    start: datetime | None
    end: datetime | None
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


def _bounds(
    stats: list[BusinessTypeStats],
    start: datetime | None,
    end: datetime | None,
    history_start: datetime | None,
) -> tuple[datetime, datetime]:
    lo = start if start is not None else min(s.first for s in stats)
    if start is None and history_start is not None:
        lo = min(lo, history_start)
    return lo, end if end is not None else max(s.end for s in stats)


async def coverage(
    session: AsyncSession,
    area_code: str,
    data_type: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    history_start: datetime | None = None,
) -> Coverage:
    """First/last/count, expected points and the gaps of one area and item in [start, end).

    ``start`` None: from the first stored point, or from ``history_start`` (the configured
    history start) when that is earlier. ``end`` None: where the point after the item's newest
    one is due. Points outside [start, end) are not looked at. ``area_code`` is a registry code
    or EIC (UnknownAreaError otherwise); its zone steps the calendar resolutions. Read-only;
    runs in the caller's transaction.
    """
    area = get_area(area_code)
    repository = CoverageRepository(session)
    stats = await repository.stats(area.code, data_type, area.tz, start, end)
    if not stats:
        return Coverage(area.code, data_type, start, end, None, None, 0, 0, (), (), ())
    lo, hi = _bounds(stats, start, end, history_start)
    raw: list[tuple[datetime, datetime, str, int]] = []
    for g in await repository.gap_rows(area.code, data_type, area.tz, lo, hi):
        missing = grid_count(g.anchor, g.start, g.end, g.resolution, area.zone)
        if missing:
            raw.append((g.start, g.end, g.business_type, missing))
    expected = {s.business_type: s.count for s in stats}
    for _, _, business_type, missing in raw:
        expected[business_type] += missing
    # A business type with no point at all is missing wherever its siblings are expected.
    absent = sorted(set(ITEMS[DataType(data_type)].business_types) - expected.keys())
    most = max(expected.values())
    raw += [(lo, hi, business_type, most) for business_type in absent]
    count = sum(s.count for s in stats)
    return Coverage(
        area_code=area.code,
        data_type=data_type,
        start=lo,
        end=hi,
        first=min(s.first for s in stats),
        last=max(s.last for s in stats),
        count=count,
        expected=count + sum(r[3] for r in raw),
        resolutions=tuple(sorted({r for s in stats for r in s.resolutions})),
        business_types=tuple(sorted(s.business_type for s in stats)),
        gaps=_merge(raw),
    )
