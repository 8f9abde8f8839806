"""Expected vs present points of an answer, per requested (data type, business type).

Expected is what [start, end) should hold on the item's grid: its stored resolution(s) for
native answers (DST-aware for calendar resolutions, in the area's zone), the number of buckets
for aggregated ones. An item never stored has no known grid: expected is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.entsoe.areas import Area
from app.entsoe.items import ITEMS, DataType
from app.repositories.energy_rows import Bucketing, Group, RangeQuery
from app.services.coverage import bucket_count, grid_count, known_resolution


@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """What one (data type, business type) of the answer holds, expected vs present."""

    data_type: str
    business_type: str
    group: Group | None
    expected: int | None
    present: int


def native_expected(group: Group, start: datetime, end: datetime, zone: ZoneInfo) -> int | None:
    """Points [start, end) should hold at the group's stored resolution(s).

    Each stretch of one resolution extends its own grid (through its first point) back to
    ``start`` or to where it begins, and forward to where the next one begins or ``end``.
    """
    runs: list[tuple[str, datetime]] = []
    for part in group.parts:
        if not runs or runs[-1][0] != part.resolution:
            runs.append((part.resolution, part.first))
    if not all(known_resolution(r) for r, _ in runs):
        return None
    total = 0
    for i, (resolution, first) in enumerate(runs):
        lo = start if i == 0 else first
        hi = runs[i + 1][1] if i + 1 < len(runs) else end
        total += grid_count(first, lo, hi, resolution, zone)
    return total


def summaries(
    query: RangeQuery,
    groups: Sequence[Group],
    area: Area,
    bucketing: Bucketing | None,
    present: dict[int, int],
    references: dict[str, tuple[str, datetime]],
) -> list[SeriesSummary]:
    """One summary per requested (data type, business type), with data or not.

    ``present``: rows (or buckets) per group index; ``references``: for data types without data
    in the range, a stored (resolution, timestamp) nearby that fixes the expected grid.
    """
    by_key = {(g.data_type, g.business_type): i for i, g in enumerate(groups)}
    out = []
    for data_type in query.data_types:
        offered = ITEMS[DataType(data_type)].business_types
        for business_type in (b for b in query.business_types if b in offered):
            index = by_key.get((data_type, business_type))
            group = groups[index] if index is not None else None
            if bucketing is not None:
                zone = ZoneInfo(bucketing.tz)
                expected: int | None = bucket_count(
                    query.start, query.end, bucketing.resolution, zone
                )
            elif group is not None:
                expected = native_expected(group, query.start, query.end, area.zone)
            elif data_type in references and known_resolution(references[data_type][0]):
                resolution, anchor = references[data_type]
                expected = grid_count(anchor, query.start, query.end, resolution, area.zone)
            else:
                expected = None
            count = present.get(index, 0) if index is not None else 0
            out.append(SeriesSummary(data_type, business_type, group, expected, count))
    return out
