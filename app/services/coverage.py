"""What is stored for an area and item and what is missing: the gap finder.

:func:`coverage` is the gap finder the healing job and ``GET /api/v1/coverage`` share. Each
series of the item (a business type and production type: week-ahead's min A60 and max A61,
generation's solar B16 and wind onshore B19) is checked on its own grid over one range
[start, end): from the configured history start (or the first stored point) to an end (by
default where the item's newest point ends). So a series that starts late, stops early or never
arrived while its siblings did is a gap, not just a hole between two of its own points. Which
series are expected: for the load items every business type the item carries; for generation
items each production type the area has stored at some time (never one it never published),
with the business types of its newest point; a production type missing for more than
:data:`FLEET_GRACE` at the start or end of the range is outside the fleet there, not a gap.
The repository (:class:`app.repositories.coverage.CoverageRepository`) finds the stretches
without points; here their missing points are counted on the resolution's grid (calendar ones
in the area's zone, :mod:`app.domain.timegrid`) and the gaps merged across series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.timegrid import grid_count
from app.entsoe.areas import get_area
from app.entsoe.items import ITEMS, LOAD_TYPES, DataType
from app.repositories.coverage import CoverageRepository, SeriesStats

Series = tuple[str, str]  # (business type, production type)
# A production type missing for longer than this at the start or end of a range has left (or not
# joined) the area's fleet: German nuclear after April 2023 is no gap to heal every hour.
FLEET_GRACE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Gap:
    """Missing intervals [start, end) (UTC); ``missing`` points over the listed series (their
    business and production types)."""

    start: datetime
    end: datetime
    business_types: tuple[str, ...]
    missing: int
    psr_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SeriesCoverage:
    """One series in the range: stored points, first/last (None: none stored), expected."""

    business_type: str
    psr_type: str
    first: datetime | None
    last: datetime | None
    count: int
    expected: int
    gaps: int


@dataclass(frozen=True, slots=True)
class Coverage:
    """One area and item over the range [start, end) (UTC), all series together.

    ``first``/``last`` are the first and last stored timestamps in the range, ``expected`` the
    points the range should hold (per series, on the grid of its stored points; a series the
    item should carry but that has no point in the range is expected as often as its most
    complete sibling), ``gaps`` the stretches without points, merged across series, in time
    order, and ``series`` each series' own figures. Nothing stored in the range: first/last None,
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
    psr_types: tuple[str, ...] = ()
    series: tuple[SeriesCoverage, ...] = ()

    @property
    def completeness(self) -> float | None:
        return self.count / self.expected if self.expected else None


Raw = tuple[datetime, datetime, Series, int]  # one series' gap: start, end, series, missing


def _merge(raw: list[Raw]) -> tuple[Gap, ...]:
    """(start, end, series, missing) of every series -> gaps in time order, those that overlap
    or touch merged into one (their missing points summed)."""
    merged: list[Gap] = []
    for start, end, (business_type, psr_type), missing in sorted(raw):
        last = merged[-1] if merged else None
        if last is not None and start <= last.end:
            merged[-1] = Gap(
                last.start,
                max(last.end, end),
                tuple(sorted({*last.business_types, business_type})),
                last.missing + missing,
                tuple(sorted({*last.psr_types, psr_type})),
            )
        else:
            merged.append(Gap(start, end, (business_type,), missing, (psr_type,)))
    return tuple(merged)


async def _expected_series(
    repository: CoverageRepository, area_code: str, data_type: str
) -> set[Series]:
    """The series the item should have: a load item every business type it carries; a
    generation item what the area has published at some time (``per_psr`` or not, its
    documents state the business type, one of several the item allows)."""
    dt = DataType(data_type)
    if dt in LOAD_TYPES:
        return {(business_type, "") for business_type in ITEMS[dt].business_types}
    return await repository.known_series(area_code, data_type)


def _outside_fleet(gap: Raw, lo: datetime, hi: datetime) -> bool:
    """Whether a production type's gap at the start or end of the range is longer than
    :data:`FLEET_GRACE`: the type is then taken as not yet or no longer part of the area's
    fleet (a plant type retired, offshore wind not built yet), which no collection can fill.
    Holes between its own points stay gaps, and so does a short lag at either end."""
    start, end = gap[0], gap[1]
    return (start == lo or end == hi) and end - start > FLEET_GRACE


def _bounds(
    stats: list[SeriesStats],
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
    raw: list[Raw] = []
    series = [(s.business_type, s.psr_type) for s in stats]
    for g in await repository.gap_rows(area.code, data_type, area.tz, lo, hi, series):
        missing = grid_count(g.anchor, g.start, g.end, g.resolution, area.zone)
        if missing:
            raw.append((g.start, g.end, (g.business_type, g.psr_type), missing))
    by_series = {(s.business_type, s.psr_type): s for s in stats}
    expected = {key: s.count for key, s in by_series.items()}
    for _, _, key, missing in raw:
        expected[key] += missing
    # A series with no point in the range is missing wherever its siblings are expected.
    absent = sorted(await _expected_series(repository, area.code, data_type) - expected.keys())
    most = max(expected.values())
    raw += [(lo, hi, key, most) for key in absent]
    if ITEMS[DataType(data_type)].per_psr:
        raw = [r for r in raw if not _outside_fleet(r, lo, hi)]
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
        business_types=tuple(sorted({s.business_type for s in stats})),
        gaps=_merge(raw),
        psr_types=tuple(sorted({s.psr_type for s in stats})),
        series=_series(by_series, raw),
    )


def _series(by_series: dict[Series, SeriesStats], raw: list[Raw]) -> tuple[SeriesCoverage, ...]:
    """Each series' figures, stored ones and absent ones (in ``raw`` only), in key order."""
    missing: dict[Series, list[int]] = {}
    for _, _, key, n in raw:
        missing.setdefault(key, []).append(n)
    out = []
    for key in sorted(by_series.keys() | missing.keys()):
        s = by_series.get(key)
        count = s.count if s else 0
        lost = missing.get(key, [])
        out.append(
            SeriesCoverage(
                key[0], key[1], s.first if s else None, s.last if s else None,
                count, count + sum(lost), len(lost),
            )
        )  # fmt: skip
    return tuple(out)
