"""The coverage heatmap: per area and item, the share of each local month's expected points
that is stored.

Expected counts follow the stored resolution's grid (:func:`app.domain.timegrid.grid_count`):
through the month's first stored point, in the area's zone, so a DST month of quarter-hours
expects 2,972 or 2,980 points and a month with a resolution switch expects each resolution over
its own part. Every month from a series' first stored month on is expected in full, except the
current one, expected up to what is due by now (:func:`app.services.freshness.due`) or stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from app.domain.timegrid import add_months, grid_count
from app.entsoe.areas import get_area
from app.entsoe.errors import UnknownAreaError
from app.entsoe.items import DataType
from app.repositories.status import BucketCount
from app.services.freshness import due, interval_end


@dataclass(frozen=True, slots=True)
class Cell:
    """One month of one area and item (all its series): points stored and expected in
    [start, end) (UTC; the local month, or its part that is due by now)."""

    month: str  # "2024-03"
    start: datetime
    end: datetime
    present: int
    expected: int

    @property
    def share(self) -> float | None:
        return None if self.expected == 0 else self.present / self.expected

    @property
    def state(self) -> str:
        """``none`` (nothing expected), ``full``, ``partial`` or ``empty``."""
        if self.expected == 0:
            return "full" if self.present else "none"
        if self.present >= self.expected:
            return "full"
        return "partial" if self.present else "empty"


@dataclass(frozen=True, slots=True)
class HeatRow:
    area_code: str
    data_type: str
    cells: list[Cell]


def month_labels(year: int, month: int, now: datetime) -> list[str]:
    """``YYYY-MM`` from (year, month) through the month of ``now``, oldest first."""
    labels = []
    while (year, month) <= (now.year, now.month):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


@dataclass(frozen=True, slots=True)
class MonthCount:
    """Stored points of one series (area, item, business type, production type) and stored
    resolution in one local month (``YYYY-MM``)."""

    area_code: str
    data_type: str
    business_type: str
    resolution: str
    month: str
    count: int
    first: datetime
    last: datetime
    psr_type: str = ""


def _label(t: datetime, zone: ZoneInfo) -> str:
    local = t.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def month_thresholds(labels: Sequence[str], zones: Iterable[ZoneInfo]) -> list[datetime]:
    """The UTC instants at which any of ``labels``' local months starts in any of ``zones``,
    and the end of the last one: every zone's months are unions of the buckets between them."""
    out: set[datetime] = set()
    for zone in zones:
        for label in labels:
            out.update(_month_span(label, zone))
    return sorted(out)


def month_counts(
    buckets: Sequence[BucketCount], thresholds: Sequence[datetime]
) -> list[MonthCount]:
    """Bucket counts (:meth:`app.repositories.status.StatusRepository.bucket_counts` over
    ``thresholds``) summed per local month of each area, in the same order."""
    merged: dict[tuple[str, str, str, str, str, str], MonthCount] = {}
    for b in buckets:
        try:
            zone = get_area(b.area_code).zone
        except UnknownAreaError:  # not in the registry: no calendar to count its months in
            continue
        if not 0 < b.bucket < len(thresholds):
            continue
        label = _label(thresholds[b.bucket - 1], zone)
        key = (b.area_code, b.data_type, b.business_type, b.psr_type, label, b.resolution)
        seen = merged.get(key)
        count, first, last = b.count, b.first, b.last
        if seen is not None:
            count, first, last = seen.count + count, min(seen.first, first), max(seen.last, last)
        merged[key] = MonthCount(
            b.area_code, b.data_type, b.business_type, b.resolution, label, count, first, last,
            b.psr_type,
        )  # fmt: skip
    return sorted(merged.values(), key=_series_order)


def _series_order(m: MonthCount) -> tuple[str, str, str, str, str, datetime]:
    return (m.area_code, m.data_type, m.business_type, m.psr_type, m.month, m.first)


def _month_span(label: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local month ``label`` in ``zone`` as UTC [start, end)."""
    first = datetime(int(label[:4]), int(label[5:]), 1, tzinfo=zone)
    return first.astimezone(UTC), add_months(first, 1).astimezone(UTC)


def _series_cells(
    counts: Sequence[MonthCount], labels: Sequence[str], zone: ZoneInfo, due_at: datetime
) -> dict[str, tuple[int, int, datetime, datetime]]:
    """One series' months (one business type and production type): label -> (present,
    expected, start, end)."""
    by_month = {k: list(g) for k, g in groupby(counts, key=lambda c: c.month)}
    stored = [i for i, label in enumerate(labels) if label in by_month]
    if not stored:
        return {}
    out: dict[str, tuple[int, int, datetime, datetime]] = {}
    previous: MonthCount | None = None
    for label in labels[stored[0] :]:
        start, month_end = _month_span(label, zone)
        groups = by_month.get(label, [])
        stored_end = max((interval_end(g.last, g.resolution, zone) for g in groups), default=start)
        end = min(month_end, max(due_at, stored_end))
        expected = 0
        if groups:
            # Each resolution from its first point to the next one's (a switch mid-month).
            cuts = [start, *(g.first for g in groups[1:]), end]
            for g, lo, hi in zip(groups, cuts, cuts[1:], strict=False):
                expected += grid_count(g.first, lo, hi, g.resolution, zone)
            previous = groups[-1]
        elif previous is not None:  # a month with nothing: the grid the series was on
            expected = grid_count(previous.last, start, end, previous.resolution, zone)
        out[label] = (sum(g.count for g in groups), expected, start, end)
    return out


def heat_rows(counts: Sequence[MonthCount], labels: Sequence[str], now: datetime) -> list[HeatRow]:
    """One row per stored (area, item) in ``counts``, one :class:`Cell` per label.

    ``counts`` in :func:`month_counts` order.
    """
    rows = []
    for (area_code, data_type), series in groupby(counts, key=lambda c: (c.area_code, c.data_type)):
        zone = get_area(area_code).zone
        due_at = due(DataType(data_type), area_code, now)
        totals: dict[str, list[int]] = {}
        spans: dict[str, tuple[datetime, datetime]] = {}
        for _, one in groupby(series, key=lambda c: (c.business_type, c.psr_type)):
            for label, (present, expected, start, end) in _series_cells(
                list(one), labels, zone, due_at
            ).items():
                total = totals.setdefault(label, [0, 0])
                total[0] += present
                total[1] += expected
                spans[label] = (start, end)
        cells = []
        for label in labels:
            start, end = spans.get(label) or _month_span(label, zone)
            present, expected = totals.get(label, (0, 0))
            cells.append(Cell(label, start, end, present, expected))
        rows.append(HeatRow(area_code, data_type, cells))
    return rows
