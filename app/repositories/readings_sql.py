"""SQL text of the API's read paths (:mod:`app.repositories.readings`).

Only constants and validated names are ever formatted into these strings; values are bound.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.domain.timegrid import (
    BUCKET_RESOLUTIONS,
    CALENDAR_BUCKET_UNITS,
    CALENDAR_STEPS,
    FIXED_STEPS,
)
from app.repositories.readings_derived import COLUMNS, DERIVED_TYPES, residual_sql
from app.repositories.readings_rows import BASE_ARGS, RangeQuery

AGGREGATES = {"mean": "avg", "min": "min", "max": "max", "sum": "sum"}


def _interval(days: int, months: int) -> str:
    """A calendar step as SQL interval text (the tables hold either days or months)."""
    return f"{days} days" if days else f"{months} months"


# The resolution tables of app.domain.timegrid in SQL terms. A stored point's interval: PTnM/PTnH
# are fixed lengths in UTC (seconds); P1D/P7D/P1M/P1Y are calendar steps in the area's local zone
# (a DST day is 23 or 25 hours, a month 28..31 days).
_NATIVE_SECONDS = {r: int(step.total_seconds()) for r, step in FIXED_STEPS.items()}
_NATIVE_CALENDAR = {r: _interval(*step) for r, step in CALENDAR_STEPS.items()}
# Buckets: fixed sizes in seconds; calendar ones as (date_trunc unit, time_bucket width).
FIXED_BUCKETS = {r: _NATIVE_SECONDS[r] for r in BUCKET_RESOLUTIONS if r in FIXED_STEPS}
CALENDAR_BUCKETS = {
    r: (CALENDAR_BUCKET_UNITS[r], _NATIVE_CALENDAR[r])
    for r in BUCKET_RESOLUTIONS
    if r in CALENDAR_STEPS
}

_PLACEHOLDERS = ("area", "types", "btypes", "start", "end", "psrs")  # RangeQuery.args(), in order


def _params(named: bool) -> dict[str, str]:
    """The placeholders of RangeQuery.args(): ``$1``..``$6`` (asyncpg) or ``:area``..."""
    return {n: f":{n}" if named else f"${i}" for i, n in enumerate(_PLACEHOLDERS, 1)}


def where(query: RangeQuery, *, named: bool = False) -> str:
    """The WHERE clause of ``query`` over rows ``p``: area, data types, production types, [start,
    end), and business type when one was asked for. psr_type is always constrained: with the key
    (area_code, data_type, psr_type, timestamp, business_type) PostgreSQL then reads one index
    range per series instead of every timestamp of the data type."""
    at = _params(named)
    clause = (
        f"WHERE p.area_code = {at['area']} AND p.data_type = ANY(CAST({at['types']} AS text[]))"
        f" AND p.psr_type = ANY(CAST({at['psrs']} AS text[]))"
        f' AND p."timestamp" >= {at["start"]} AND p."timestamp" < {at["end"]}'
    )
    if query.filter_business:
        clause += f" AND p.business_type = ANY(CAST({at['btypes']} AS text[]))"
    else:  # every parameter must be typed; a constant condition, checked once
        clause += f" AND CAST({at['btypes']} AS text[]) IS NOT NULL"
    return clause


def rows_from(query: RangeQuery, *, named: bool = False) -> str:
    """``FROM <rows> p WHERE ...``: the stored rows, and the derived ones if asked for. Each
    branch of the union has its own WHERE clause: PostgreSQL does not push conditions into a
    union whose branches differ in column types (varchar vs text), and the stored rows must be
    read by index ranges."""
    clause = where(query, named=named)
    if not any(t in DERIVED_TYPES for t in query.data_types):
        return f"FROM energy_data_points p {clause}"
    at = _params(named)
    derived = residual_sql(at["area"], at["start"], at["end"])
    stored = ", ".join(f"p.{c.strip()}" for c in COLUMNS.split(","))
    return (
        f"FROM (SELECT {stored} FROM energy_data_points p {clause}"  # noqa: S608
        f" UNION ALL SELECT * FROM ({derived}) p {clause}) p"
    )


_NAME = re.compile(r"[A-Za-z0-9_]{1,32}")


def _position(column: str, values: Sequence[str]) -> str:
    # One value: every row matches it (the WHERE clause filters on it), so a constant will do.
    if len(values) == 1:
        return "1::int2"
    for value in values:
        if not _NAME.fullmatch(value):
            raise ValueError(f"not a data or business type: {value!r}")
    cases = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values, 1))
    return f"(CASE {column} {cases} END)::int2"


# A row's production type as its number (B16 -> 16, none -> 0): fixed width for binary COPY.
PSR_NUMBER = "CAST(coalesce(nullif(substr(p.psr_type, 2), ''), '0') AS int2)"


def group_keys(data_types: Sequence[str], business_types: Sequence[str]) -> str:
    """SQL for the 1-based positions of a row's data type and business type and its production
    type number (columns dt, bt, ps)."""
    dt = _position("p.data_type", data_types)
    return f"{dt} AS dt, {_position('p.business_type', business_types)} AS bt, {PSR_NUMBER} AS ps"


def points_sql(query: RangeQuery) -> str:
    """Native rows for binary COPY ($7: the points limit + 1), in storage order: numpy sorts
    them, cheaper than a SQL sort. See :func:`derived_points` for queries with a derived type.

    Columns: key (int4, :func:`readings_rows.group_key` of dt, ps, bt), timestamp, quantity x
    1000 (int8), series_id, document_created_at; a row's revision is its series' (written
    together by the upsert, the series identity includes it). Stored rows are read as one index
    range per (data type, production type) pair, whose part of the key is computed once per pair
    (MATERIALIZED) instead of once per row: for a year of 20 production types (700,800 rows) the
    per-row keys and the revision made the read 1.3 times as long (scripts/bench_api.py)."""
    business = (
        "p.business_type = ANY(CAST($3 AS text[]))"
        if query.filter_business
        else "CAST($3 AS text[]) IS NOT NULL"
    )
    pair_psr = PSR_NUMBER.replace("p.psr_type", "s.psr_type")
    bt = _position("p.business_type", query.business_types)
    return f"""
WITH k AS MATERIALIZED (
    SELECT d.data_type, s.psr_type, CAST(d.n * 65536 + {pair_psr} * 256 AS int4) AS base
    FROM unnest(CAST($2 AS text[])) WITH ORDINALITY AS d(data_type, n)
    CROSS JOIN unnest(CAST($6 AS text[])) AS s(psr_type)
)
SELECT k.base + {bt}, p."timestamp", (p.quantity * 1000)::int8, p.series_id,
       p.document_created_at
FROM k CROSS JOIN LATERAL (
    SELECT * FROM energy_data_points p
    WHERE p.area_code = $1 AND p.data_type = k.data_type AND p.psr_type = k.psr_type
      AND p."timestamp" >= $4 AND p."timestamp" < $5 AND {business}
    OFFSET 0
) p
LIMIT $7"""  # noqa: S608


def derived_points_sql(query: RangeQuery) -> str:
    """:func:`points_sql` for a query with a derived type: the union of :func:`rows_from`, keys
    dt, bt, ps per row and the row's own revision (a derived row's is the newest of its inputs).
    """
    return (
        f'SELECT {group_keys(query.data_types, query.business_types)}, p."timestamp",'
        " (p.quantity * 1000)::int8, p.series_id, p.revision_number, p.document_created_at"
        f" {rows_from(query)} LIMIT $7"
    )


def count_sql(query: RangeQuery) -> str:
    return f"SELECT count(*) {rows_from(query)}"


SERIES_SQL = (
    "SELECT id, unit, resolution, data_source, revision_number FROM energy_series"
    " WHERE id = ANY($1::int[])"
)


def bucket_expr(resolution: str, tz: str, *, ts: str = 'p."timestamp"', timescale: bool) -> str:
    """SQL for the UTC start of the bucket holding ``ts``.

    PTnM/PTnH: fixed buckets aligned in UTC (origin 2000-01-01). P1D/P7D/P1M: the local day,
    ISO week (Monday) or month in zone ``tz`` (an SQL expression), so a DST day is one bucket of
    23 or 25 hours. ``timescale``: the equivalent ``time_bucket`` calls.
    """
    if resolution in FIXED_BUCKETS:
        seconds = FIXED_BUCKETS[resolution]
        if timescale:
            return f"time_bucket(interval '{seconds} seconds', {ts})"
        return f"date_bin(interval '{seconds} seconds', {ts}, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
    unit, width = CALENDAR_BUCKETS[resolution]
    if timescale:
        # TimescaleDB's default origin for zoned buckets is Monday 2000-01-03, local midnight.
        return f"time_bucket(interval '{width}', {ts}, {tz})"
    return f"date_trunc('{unit}', {ts}, {tz})"


def uses_zone(resolution: str) -> bool:
    return resolution in CALENDAR_BUCKETS


def interval_seconds(ts: str, resolution: str, tz: str) -> str:
    """SQL: the length in seconds of the interval a point at ``ts`` stands for, from its stored
    ``resolution`` (an SQL text expression); calendar steps are taken in zone ``tz``. Every
    resolution the parser accepts is listed (anything else would give NULL)."""
    fixed = [f"WHEN '{r}' THEN {s}" for r, s in _NATIVE_SECONDS.items()]
    local = [
        f"WHEN '{r}' THEN extract(epoch FROM"
        f" (({ts} AT TIME ZONE {tz}) + interval '{step}') AT TIME ZONE {tz} - {ts})"
        for r, step in _NATIVE_CALENDAR.items()
    ]
    return f"(CASE {resolution} {' '.join(fixed + local)} END)"


def bucket_params(resolution: str, agg: str) -> tuple[str, ...]:
    """The parameters after $1..$6 that :func:`buckets_sql` binds, in order ($7, $8, ...):
    ``zone`` (calendar buckets), then for a mean ``series_ids``/``resolutions`` (the stored series
    in the range) and ``native_zone`` (the area's zone, for calendar-length points)."""
    names: tuple[str, ...] = ("zone",) if uses_zone(resolution) else ()
    if agg == "mean":
        names += ("series_ids", "resolutions", "native_zone")
    return names


def buckets_sql(query: RangeQuery, resolution: str, agg: str, *, timescale: bool) -> str:
    """The aggregation of ``query`` (columns dt, bt, ps, bucket, value, points); the parameters
    after $6 are :func:`bucket_params`.

    ``mean`` is time-weighted: each point counts with the length of its own interval (its
    series' resolution), so a bucket mixing hourly and quarter-hourly points is the mean over
    time, not over points. ``sum`` is the plain sum of the stored values; min/max as stored.
    """
    if resolution not in BUCKET_RESOLUTIONS:
        raise ValueError(f"resolution {resolution!r} is not a bucket size")
    at = {name: f"${i}" for i, name in enumerate(bucket_params(resolution, agg), BASE_ARGS + 1)}
    bucket = bucket_expr(resolution, f"CAST({at.get('zone')} AS text)", timescale=timescale)
    join = ""
    if agg == "mean":
        weight = interval_seconds(
            'p."timestamp"', "r.resolution", f"CAST({at['native_zone']} AS text)"
        )
        value = f"sum(p.quantity * {weight}) / sum({weight})"
        join = (
            f" JOIN unnest(CAST({at['series_ids']} AS int4[]), CAST({at['resolutions']} AS text[]))"
            " AS r(id, resolution) ON r.id = p.series_id"
        )
    else:
        value = f"{AGGREGATES[agg]}(p.quantity)"
    return (
        f"SELECT {group_keys(query.data_types, query.business_types)}, {bucket} AS bucket,"  # noqa: S608
        f" {value} AS value, count(*)::int4 AS points"
        f" FROM (SELECT p.* {rows_from(query)}) p{join} GROUP BY 1, 2, 3, 4"
    )


def groups_sql(query: RangeQuery) -> str:
    """One row per stored series in the range: dt, bt (positions), ps (production type number),
    series id, unit, resolution, source, rows, first, last, newest revision and issue time.
    Grouped on small integers; the series metadata is joined after grouping (MATERIALIZED: the
    planner must not hash the whole series table for a few hundred rows). Derived series have
    no energy_series row (LEFT JOIN: NULL metadata, filled in by the caller)."""
    return f"""
WITH per_series AS MATERIALIZED (
    SELECT {group_keys(query.data_types, query.business_types)}, p.series_id, count(*) AS n,
           min(p."timestamp") AS first, max(p."timestamp") AS last,
           max(p.revision_number) AS revision, max(p.document_created_at) AS issued
    {rows_from(query, named=True)}
    GROUP BY 1, 2, 3, 4
)
SELECT g.dt, g.bt, g.ps, g.series_id, s.unit, s.resolution, s.data_source,
       g.n, g.first, g.last, g.revision, g.issued
FROM per_series g LEFT JOIN energy_series s ON s.id = g.series_id
"""  # noqa: S608


_NEAREST = """
    SELECT s.resolution, p."timestamp" FROM energy_data_points p
    JOIN energy_series s ON s.id = p.series_id
    WHERE p.area_code = :area AND p.data_type = d.data_type AND p.psr_type = d.psr_type
      AND p."timestamp" {cmp} :end
    ORDER BY p."timestamp" {order} LIMIT 1"""
# Two index probes per (data type, production type): the newest row before `end`, else the
# oldest from `end` on.
REFERENCES_SQL = f"""
SELECT d.data_type, d.psr_type, r.resolution, r."timestamp"
FROM unnest(CAST(:types AS text[]), CAST(:psrs AS text[])) AS d(data_type, psr_type)
CROSS JOIN LATERAL (
    ({_NEAREST.format(cmp="<", order="DESC")})
    UNION ALL
    ({_NEAREST.format(cmp=">=", order="ASC")})
    LIMIT 1
) r
"""  # noqa: S608


def suggested_end_sql(query: RangeQuery) -> str:
    """The timestamp of the (keep + 1)-th row in time order: [start, it) holds at most `keep`
    rows (named parameters, :keep)."""
    return f'SELECT p."timestamp" {rows_from(query, named=True)} ORDER BY 1 OFFSET :keep LIMIT 1'


# Per (data type, production type) pair given: whether the area has any row of it. One index
# probe per pair (the key leads with area_code, data_type, psr_type).
STORED_PSR_SQL = """
SELECT d.data_type, d.psr_type
FROM unnest(CAST(:types AS text[]), CAST(:psrs AS text[])) AS d(data_type, psr_type)
WHERE EXISTS (
    SELECT 1 FROM energy_data_points p
    WHERE p.area_code = :area AND p.data_type = d.data_type AND p.psr_type = d.psr_type
)
ORDER BY 2, 1
"""
