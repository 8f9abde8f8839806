"""What the API's read paths ask for and get back: queries, per-series groups, numpy columns,
the columns of an aggregated CSV row.

Timestamps are UTC; numpy timestamps are int64 UNIX epoch microseconds. Rows of an answer are
ordered by data type (in the query's order), production type (code order, none first), business
type (sorted), timestamp. In SQL results a row's production type is its number (``B16`` -> 16,
none -> 0): a fixed-width int2 that binary COPY can carry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from app.domain.points import CSV_COLUMNS, NO_PSR
from app.entsoe.psr_types import PSR_TYPES

# An aggregated CSV row: a stored row's columns (the bucket's start, the aggregate as quantity,
# the bucket size as resolution), then the bucket's native points, the native points its part of
# [start, end) should hold, and whether the range cuts the bucket.
CSV_BUCKET_COLUMNS = (*CSV_COLUMNS, "points", "expected_points", "partial")


# Every production type a row can have: the codes and none (load). A query constrains psr_type to
# a list like this one so that PostgreSQL 15 (no skip scan) reads one index range per series.
ALL_PSR_TYPES: tuple[str, ...] = (NO_PSR, *(p.code for p in PSR_TYPES))
# The same as an SQL array literal: a read that names every production type bounds its time range
# in one index range per type (psr_type precedes the time in the key; PostgreSQL 15 has no skip
# scan).
ANY_PSR_SQL = "ARRAY[" + ", ".join(f"'{p}'" for p in ALL_PSR_TYPES) + "]"
# The number of a query's bound parameters ($1..$6, see RangeQuery.args); more follow from $7.
BASE_ARGS = 6


def psr_number(code: str) -> int:
    """``B16`` -> 16, none -> 0 (the ``ps`` column of the read SQL)."""
    return int(code[1:]) if code else 0


def psr_code(number: int) -> str:
    return f"B{number:02d}" if number else NO_PSR


@dataclass(frozen=True, slots=True)
class RangeQuery:
    """An area, data types (answer order), the business types (sorted), [start, end), and the
    production types (codes, ``""`` for none) rows may have.

    ``filter_business``: constrain business_type in SQL (asked for one); otherwise every stored
    business type of the data types is read (the processor stores no other), which spares the
    index scan one pass per business type.
    """

    area_code: str
    data_types: tuple[str, ...]
    business_types: tuple[str, ...]
    start: datetime
    end: datetime
    psr_types: tuple[str, ...] = ALL_PSR_TYPES
    filter_business: bool = False

    def args(self) -> tuple[Any, ...]:
        """$1..$6 of the SQL in :mod:`app.repositories.readings_sql`."""
        types, btypes = list(self.data_types), list(self.business_types)
        return (self.area_code, types, btypes, self.start, self.end, list(self.psr_types))


@dataclass(frozen=True, slots=True)
class Bucketing:
    """Aggregate to ``resolution`` buckets with ``agg``; ``tz`` is the zone of calendar buckets."""

    resolution: str
    agg: str
    tz: str


@dataclass(frozen=True, slots=True)
class SeriesPart:
    """The rows of one group that come from one stored series (document TimeSeries)."""

    series_id: int
    unit: str
    resolution: str
    data_source: str
    count: int
    first: datetime
    last: datetime
    revision_number: int
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class Group:
    """All rows of one series (data type, production type, business type) in the range;
    ``parts`` (the stored series they come from) ordered by ``first``."""

    data_type: str
    business_type: str
    parts: tuple[SeriesPart, ...]
    psr_type: str = NO_PSR

    @property
    def count(self) -> int:
        return sum(p.count for p in self.parts)


@dataclass(frozen=True, slots=True)
class Columns:
    """Rows as arrays: ``group`` indexes the answer's groups; ``epoch_us`` is UTC microseconds.

    Native rows carry ``series_id``; aggregated rows carry ``points`` (stored rows per bucket)
    and, once the API has matched them with :class:`BucketExpected`, ``expected`` (native points
    the bucket's part of the range should hold, -1 unknown) and ``partial``.
    """

    group: npt.NDArray[np.int64]
    epoch_us: npt.NDArray[np.int64]
    quantity: npt.NDArray[np.float64]
    series_id: npt.NDArray[np.int32] | None = None
    points: npt.NDArray[np.int32] | None = None
    expected: npt.NDArray[np.int64] | None = None
    partial: npt.NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return len(self.epoch_us)


@dataclass(frozen=True, slots=True)
class BucketExpected:
    """Every bucket of an aggregated answer (group index, UTC start in epoch microseconds): the
    native points its part of [start, end) should hold (-1: unknown grid) and whether the range
    cuts it (``partial``: the bucket reaches outside [start, end))."""

    group: npt.NDArray[np.int64]
    epoch_us: npt.NDArray[np.int64]
    expected: npt.NDArray[np.int64]
    partial: npt.NDArray[np.bool_]


SeriesInfo = Mapping[int, tuple[str, str, str]]  # series id -> (unit, resolution, data source)


def group_key(dt: Any, ps: Any, bt: Any) -> Any:
    """One int64 per row (or scalar) ordering rows as answers are ordered: data type position,
    production type number, business type position (each below 256)."""
    return (dt * 256 + ps) * 256 + bt


def key_of(query: RangeQuery, group: Group) -> int:
    dt = query.data_types.index(group.data_type) + 1
    bt = query.business_types.index(group.business_type) + 1
    key: int = group_key(dt, psr_number(group.psr_type), bt)
    return key


def group_index(
    query: RangeQuery,
    groups: Sequence[Group],
    dt: npt.NDArray[Any],
    bt: npt.NDArray[Any],
    ps: npt.NDArray[Any],
) -> npt.NDArray[np.int64]:
    """Per row, the index in ``groups`` of its (data type, production type, business type)
    positions (-1: a row of no group)."""
    keys = np.array([key_of(query, g) for g in groups], dtype=np.int64)
    order = np.argsort(keys)
    row_keys = group_key(dt.astype(np.int64), ps.astype(np.int64), bt.astype(np.int64))
    if not len(keys):
        return np.full(len(row_keys), -1, np.int64)
    at = np.minimum(np.searchsorted(keys[order], row_keys), len(keys) - 1)
    found = keys[order][at] == row_keys
    index: npt.NDArray[np.int64] = np.where(found, order[at], -1).astype(np.int64)
    return index
