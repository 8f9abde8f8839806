"""SQL text of the API's read paths (:mod:`app.repositories.readings`).

Only constants and validated names are ever formatted into these strings; values are bound.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.repositories.readings_derived import COLUMNS, DERIVED_TYPES, residual_sql
from app.repositories.readings_rows import RangeQuery

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


# The columns of the binary COPY reads below (name, PostgreSQL type), as pg_copy decodes them.
POINT_COLUMNS = [
    ("key", "int4"),
    ("ts", "timestamptz"),
    ("milli", "int8"),
    ("sid", "int4"),
    ("issued", "timestamptz"),
]
DERIVED_POINT_COLUMNS = [
    ("dt", "int2"),
    ("bt", "int2"),
    ("ps", "int2"),
    ("ts", "timestamptz"),
    ("milli", "int8"),
    ("sid", "int4"),
    ("rev", "int4"),
    ("issued", "timestamptz"),
]


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
