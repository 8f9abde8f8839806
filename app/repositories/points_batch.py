"""EnergyPoints -> the parameter arrays of the merge statements (app/repositories/points_sql.py).

One pass over the points: it checks them (aware timestamps, finite quantities), finds the
distinct SeriesMeta and the runs of consecutive points sharing one, and keeps timestamps and
quantities (as text, exactly as given) in batch order. The points are not sorted or deduplicated
here: the merge statement does that per chunk.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain.points import EnergyPoint, SeriesMeta

SeriesKey = tuple[str, int, str, str, str, str, str]


def series_key(meta: SeriesMeta) -> SeriesKey:
    """A meta's row in ``energy_series`` (the columns of uq_energy_series_identity)."""
    return (
        meta.document_mrid,
        meta.revision_number,
        meta.time_series_mrid,
        meta.unit,
        meta.resolution,
        meta.curve_type,
        meta.data_source,
    )


def require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware UTC datetime, got naive {value.isoformat()}")
    return value


def _refuse(point: EnergyPoint) -> None:
    require_aware(point.timestamp, "EnergyPoint.timestamp")
    if not point.quantity.is_finite():
        raise ValueError(f"EnergyPoint.quantity must be a finite number, got {point.quantity}")


@dataclass(slots=True)
class Batch:
    metas: list[SeriesMeta] = field(default_factory=list)
    run_start: list[int] = field(default_factory=list)  # index of each run's first point
    run_meta: list[int] = field(default_factory=list)  # index of each run's meta in ``metas``
    timestamps: list[datetime] = field(default_factory=list)
    quantities: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, points: Sequence[EnergyPoint]) -> Batch:
        batch = cls()
        index_of: dict[int, int] = {}  # id(meta): the processor shares one meta per series
        index_of_value: dict[SeriesMeta, int] = {}
        previous = None
        for n, point in enumerate(points):
            meta = point.meta
            if meta is not previous:
                i = index_of.get(id(meta))
                if i is None:
                    i = index_of_value.setdefault(meta, len(batch.metas))
                    if i == len(batch.metas):
                        batch.metas.append(meta)
                    index_of[id(meta)] = i
                batch.run_start.append(n)
                batch.run_meta.append(i)
                previous = meta
            if point.timestamp.tzinfo is None or not point.quantity.is_finite():
                _refuse(point)
            batch.timestamps.append(point.timestamp)
            batch.quantities.append(str(point.quantity))
        for meta in batch.metas:
            require_aware(meta.document_created_at, "SeriesMeta.document_created_at")
        return batch

    def chunks(self, size: int, series_ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        """The parameters of one merge statement per ``size`` points (ids: one per meta)."""
        groups: dict[tuple[str, str, str], int] = {}
        group_of = [
            groups.setdefault((m.area_code, m.data_type, m.business_type), len(groups) + 1)
            for m in self.metas
        ]
        group_params = {
            "g_area": [g[0] for g in groups],
            "g_type": [g[1] for g in groups],
            "g_btype": [g[2] for g in groups],
        }
        total = len(self.timestamps)
        for start in range(0, total, size):
            end = min(start + size, total)
            first = bisect_right(self.run_start, start) - 1
            last = bisect_left(self.run_start, end)
            runs = self.run_meta[first:last]
            yield {
                **group_params,
                # 1-based position in the chunk where each run begins (the first run may have
                # begun in the previous chunk)
                "r_start": [1] + [n - start + 1 for n in self.run_start[first + 1 : last]],
                "r_grp": [group_of[i] for i in runs],
                "r_rev": [self.metas[i].revision_number for i in runs],
                "r_created": [self.metas[i].document_created_at for i in runs],
                "r_series": [series_ids[i] for i in runs],
                "p_ts": self.timestamps[start:end],
                # one string, not a text[]: asyncpg inspects every element of an array parameter
                # (a third of the client's time); Decimal's str never contains a comma
                "p_qty": ",".join(self.quantities[start:end]),
            }
