"""EnergyPoints -> the parameter arrays of the statements in app/repositories/points_sql.py.

One pass over the points: it checks them (aware timestamps, quantities the column can hold),
finds the distinct SeriesMeta and the runs of consecutive points sharing one, and keeps
timestamps and quantities (as text, as given unless PostgreSQL could not read that text) in
batch order. The points are not sorted or deduplicated here: the merge statement does that per
chunk.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Any

from app.domain.points import (
    QUANTITY_PRECISION,
    QUANTITY_SCALE,
    CoveredPeriod,
    EnergyPoint,
    SeriesMeta,
    storable,
)
from app.domain.timegrid import FIXED_STEPS

SeriesKey = tuple[str, int, str, str, str, str, str]
GroupKey = tuple[str, str, str, str]  # (area_code, data_type, business_type, psr_type)

_STEP = Decimal(1).scaleb(-QUANTITY_SCALE)
# A plain quantity text this short holds at most 12 integer digits: the column holds it.
_SHORT_TEXT = QUANTITY_PRECISION - QUANTITY_SCALE
_PLAIN_TEXT_MAX = 32


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


def group_key(meta: SeriesMeta) -> GroupKey:
    return meta.series


def _refuse(point: EnergyPoint) -> None:
    require_aware(point.timestamp, "EnergyPoint.timestamp")
    if not storable(point.quantity):
        raise ValueError(
            "EnergyPoint.quantity must be a finite number that rounds below 1e12 in magnitude,"
            f" got {str(point.quantity)[:40]}"
        )


def _checked_text(point: EnergyPoint) -> str:
    """The quantity's text for the merge: refused beyond the column, rounded (as the merge would
    round it) when long or in exponent notation, which PostgreSQL may not read (``1E-20000``)."""
    if not storable(point.quantity):
        _refuse(point)
    text = str(point.quantity)
    if len(text) > _PLAIN_TEXT_MAX or "E" in text:
        return str(point.quantity.quantize(_STEP, ROUND_HALF_UP))
    return text


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
        timestamps, quantities = batch.timestamps, batch.quantities
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
            quantity = point.quantity
            if point.timestamp.tzinfo is None or not quantity.is_finite():
                _refuse(point)
            text = str(quantity)
            if len(text) > _SHORT_TEXT or "E" in text:  # else it is storable and plain
                text = _checked_text(point)
            timestamps.append(point.timestamp)
            quantities.append(text)
        for meta in batch.metas:
            require_aware(meta.document_created_at, "SeriesMeta.document_created_at")
        return batch

    def chunks(self, size: int, series_ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        """The parameters of one merge statement per ``size`` points (ids: one per meta)."""
        groups: dict[GroupKey, int] = {}
        group_of = [groups.setdefault(group_key(m), len(groups) + 1) for m in self.metas]
        group_params = _group_params(groups)
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

    def period_params(self, covered: Sequence[CoveredPeriod], real_source: str) -> dict[str, Any]:
        """The parameters of points_sql.JUDGE_PERIODS (and, with :meth:`key_params`,
        DELETE_SUPERSEDED) for ``covered``.

        Groups are numbered by the Periods. ``c_step``: seconds of a Period whose rows are
        exactly its fixed-step grid (complete, and no other Period of the batch overlaps it),
        else 0: such a Period needs the batch's keys. ``real_source``: the data source whose
        rows only Periods of that source may delete.
        """
        groups: dict[GroupKey, int] = {}
        period_group = [groups.setdefault(c.series, len(groups) + 1) for c in covered]
        return {
            **_group_params(groups),
            "c_grp": period_group,
            "c_start": [require_aware(c.start, "CoveredPeriod.start") for c in covered],
            "c_end": [require_aware(c.end, "CoveredPeriod.end") for c in covered],
            "c_rev": [c.meta.revision_number for c in covered],
            "c_created": [c.meta.document_created_at for c in covered],
            "c_real": [c.meta.data_source == real_source for c in covered],
            "c_step": _grid_steps(covered),
        }

    def key_params(self, period_params: dict[str, Any]) -> dict[str, Any]:
        """The batch's keys, run-indexed, in the groups of ``period_params`` (a point of a series
        no Period covers gets group 0, which no Period has)."""
        columns = _group_columns(period_params)
        groups = {g: n for n, g in enumerate(zip(*columns, strict=True), 1)}
        meta_group = [groups.get(group_key(m), 0) for m in self.metas]
        return {
            "r_start": [n + 1 for n in self.run_start],
            "r_grp": [meta_group[i] for i in self.run_meta],
            "p_ts": self.timestamps,
        }


def _grid_steps(covered: Sequence[CoveredPeriod]) -> list[int]:
    """Per Period, the seconds of its grid when its rows are exactly that grid, else 0."""
    steps = [
        int(FIXED_STEPS[c.meta.resolution].total_seconds())
        if c.complete and c.meta.resolution in FIXED_STEPS
        else 0
        for c in covered
    ]
    # Two Periods of one series overlapping (two documents, say): the keys decide.
    order = sorted(range(len(covered)), key=lambda i: (covered[i].series, covered[i].start))
    for a, b in pairwise(order):
        first, second = covered[a], covered[b]
        if first.series == second.series and second.start < first.end:
            steps[a] = steps[b] = 0
    return steps


def _group_columns(params: dict[str, Any]) -> tuple[list[str], ...]:
    return params["g_area"], params["g_type"], params["g_btype"], params["g_psr"]


def _group_params(groups: dict[GroupKey, int]) -> dict[str, list[str]]:
    """Arrays indexed by group number (1-based, the dict's order)."""
    return {
        "g_area": [g[0] for g in groups],
        "g_type": [g[1] for g in groups],
        "g_btype": [g[2] for g in groups],
        "g_psr": [g[3] for g in groups],
    }
