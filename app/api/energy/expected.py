"""Expected vs present points of an answer, per requested (data type, business type).

A series is one (data type, production type, business type). Expected is what [start, end)
should hold on the series' grid: its stored resolution(s)
(DST-aware for calendar resolutions, in the area's zone), counted in native points for native
and aggregated answers alike; aggregated answers also get per-bucket figures
(:func:`bucket_expected`). An item never stored has no known grid: expected is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from app.api import params as qp
from app.domain.points import NO_PSR
from app.domain.timegrid import (
    EPOCH,
    FIXED_STEPS,
    RESOLUTIONS,
    boundaries,
    bucket_count,
    bucket_floor,
    grid_count,
    grid_instants,
)
from app.entsoe.areas import Area
from app.repositories.readings_derived import DERIVED_TYPES
from app.repositories.readings_rows import (
    ALL_PSR_TYPES,
    BucketExpected,
    Bucketing,
    Columns,
    Group,
    RangeQuery,
)


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """What one series (data type, production type, business type) of the answer holds,
    expected vs present."""

    data_type: str
    business_type: str
    group: Group | None
    expected: int | None
    present: int
    psr_type: str = NO_PSR


_US = timedelta(microseconds=1)


def _epoch_us(t: datetime) -> int:
    return (t - EPOCH) // _US


def _runs(
    group: Group, start: datetime, end: datetime
) -> list[tuple[str, datetime, datetime, datetime]] | None:
    """(resolution, anchor, lo, hi) per stretch of one stored resolution: its grid runs through
    its first point, back to ``start`` (or where it begins) and up to where the next begins (or
    ``end``). None when a resolution has no known grid."""
    firsts: list[tuple[str, datetime]] = []
    for part in group.parts:
        if not firsts or firsts[-1][0] != part.resolution:
            firsts.append((part.resolution, part.first))
    if not all(r in RESOLUTIONS for r, _ in firsts):
        return None
    return [
        (
            resolution,
            first,
            start if i == 0 else first,
            firsts[i + 1][1] if i + 1 < len(firsts) else end,
        )
        for i, (resolution, first) in enumerate(firsts)
    ]


def native_expected(group: Group, start: datetime, end: datetime, zone: ZoneInfo) -> int | None:
    """Points [start, end) should hold at the group's stored resolution(s) (see :func:`_runs`)."""
    runs = _runs(group, start, end)
    if runs is None:
        return None
    return sum(grid_count(anchor, lo, hi, res, zone) for res, anchor, lo, hi in runs)


def bucket_bounds(
    start: datetime, end: datetime, bucketing: Bucketing
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """UTC starts and ends (epoch microseconds) of every bucket overlapping [start, end), as the
    SQL aggregation buckets them (fixed sizes in UTC, local days/ISO weeks/months in its zone)."""
    zone = ZoneInfo(bucketing.tz)
    first = bucket_floor(start, bucketing.resolution, zone)
    step = FIXED_STEPS.get(bucketing.resolution)
    if step is not None:
        n = bucket_count(start, end, bucketing.resolution, zone)
        starts = _epoch_us(first) + np.arange(n, dtype=np.int64) * (step // _US)
        return starts, starts + step // _US
    bounds = boundaries(first, end, bucketing.resolution, zone)
    us = np.array([_epoch_us(b) for b in bounds], dtype=np.int64)
    return us[:-1], us[1:]


def _expected_in(
    group: Group,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    lo_us: npt.NDArray[np.int64],
    hi_us: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Per interval [lo, hi) (inside [start, end)): the group's native grid points in it (-1 when
    the grid is unknown). Vectorised for fixed resolutions; calendar grids are listed."""
    runs = _runs(group, start, end)
    if runs is None:
        return np.full(len(lo_us), -1, np.int64)
    total = np.zeros(len(lo_us), np.int64)
    for resolution, anchor, run_lo, run_hi in runs:
        lo = np.maximum(lo_us, _epoch_us(run_lo))
        hi = np.minimum(hi_us, _epoch_us(run_hi))
        step = FIXED_STEPS.get(resolution)
        if step is not None:
            a, s = _epoch_us(anchor), step // _US
            count = -((a - hi) // s) + ((a - lo) // s)  # ceil((hi - a)/s) - ceil((lo - a)/s)
        else:
            grid = grid_instants(anchor, run_lo, run_hi, resolution, zone)
            points = np.array([_epoch_us(t) for t in grid], dtype=np.int64)
            count = np.searchsorted(points, hi) - np.searchsorted(points, lo)
        total += np.maximum(count, 0)
    return total


def bucket_expected(
    query: RangeQuery, groups: Sequence[Group], bucketing: Bucketing, zone: ZoneInfo
) -> BucketExpected:
    """Every bucket of every group: the native points (on the group's stored grid, calendar
    resolutions in the area's ``zone``) its part of [start, end) should hold, and whether the
    range cuts it. Summed over a group's buckets this is the group's native expected."""
    starts, ends = bucket_bounds(query.start, query.end, bucketing)
    lo = np.maximum(starts, _epoch_us(query.start))
    hi = np.minimum(ends, _epoch_us(query.end))
    partial = (starts < lo) | (ends > hi)
    n = len(starts)
    expected = [_expected_in(g, query.start, query.end, zone, lo, hi) for g in groups]
    return BucketExpected(
        np.repeat(np.arange(len(groups), dtype=np.int64), n),
        np.tile(starts, len(groups)),
        np.concatenate(expected) if expected else np.zeros(0, np.int64),
        np.tile(partial, len(groups)),
    )


def match_buckets(cols: Columns, every: BucketExpected, groups: int) -> Columns:
    """``cols`` (aggregated rows) with the expected points and partial flag of their buckets."""
    per_group = len(every.epoch_us) // groups if groups else 0
    starts = every.epoch_us[:per_group]
    if len(cols) and not per_group:
        raise ValueError("aggregated rows but no buckets")
    at = np.minimum(np.searchsorted(starts, cols.epoch_us), max(per_group - 1, 0))
    if len(cols) and not (starts[at] == cols.epoch_us).all():
        raise ValueError("an aggregated row's bucket is not one of the answer's buckets")
    index = cols.group * per_group + at
    return replace(cols, expected=every.expected[index], partial=every.partial[index])


def wanted_series(query: RangeQuery) -> list[tuple[str, str, str]]:
    """The (data type, production type, business type) series an answer reports whether stored
    or not: every business type of a data type without production types, and of a data type
    with them, each production type asked for by name (business type "" when several could
    carry it). Series found in the range are reported as well (:func:`summaries`)."""
    asked = query.psr_types != ALL_PSR_TYPES
    out = []
    for data_type in query.data_types:
        offered = [b for b in query.business_types if b in qp.offered_business_types(data_type)]
        if not qp.per_psr(data_type):
            out += [(data_type, NO_PSR, b) for b in offered]
        elif asked:
            business = offered[0] if len(offered) == 1 else ""
            out += [(data_type, p, business) for p in query.psr_types if p != NO_PSR]
    return out


def missing_references(query: RangeQuery, groups: Sequence[Group]) -> list[tuple[str, str]]:
    """The (data type, production type) pairs asked for without rows in the range whose stored
    grid (:meth:`Readings.references`) fixes their expected points; derived types have none."""
    found = {(g.data_type, g.psr_type) for g in groups}
    pairs = {(d, p) for d, p, _ in wanted_series(query)} - found
    return sorted((d, p) for d, p in pairs if d not in DERIVED_TYPES)


def summaries(
    query: RangeQuery,
    groups: Sequence[Group],
    area: Area,
    present: dict[int, int],
    references: dict[tuple[str, str], tuple[str, datetime]],
) -> list[SeriesSummary]:
    """One summary per series of the answer: each group, and each series asked for without data.

    ``present``: stored rows returned or aggregated, per group index; ``references``: for
    (data type, production type) pairs without data in the range, a stored (resolution,
    timestamp) that fixes their grid.
    """
    out = []
    for index, group in enumerate(groups):
        expected = native_expected(group, query.start, query.end, area.zone)
        out.append(
            SeriesSummary(
                group.data_type,
                group.business_type,
                group,
                expected,
                present.get(index, 0),
                group.psr_type,
            )
        )
    found = {(g.data_type, g.psr_type) for g in groups}
    found_exact = {(g.data_type, g.psr_type, g.business_type) for g in groups}
    for data_type, psr_type, business_type in wanted_series(query):
        if (data_type, psr_type, business_type) in found_exact:
            continue
        if business_type == "" and (data_type, psr_type) in found:
            continue  # stored under a business type: reported above
        grid: int | None = None
        reference = references.get((data_type, psr_type))
        if reference is not None and reference[0] in RESOLUTIONS:
            resolution, anchor = reference
            grid = grid_count(anchor, query.start, query.end, resolution, area.zone)
        out.append(SeriesSummary(data_type, business_type, None, grid, 0, psr_type))
    order = {t: i for i, t in enumerate(query.data_types)}
    out.sort(key=lambda s: (order[s.data_type], s.psr_type, s.business_type))
    return out
