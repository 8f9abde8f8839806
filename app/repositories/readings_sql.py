"""SQL text of the API's read paths (:mod:`app.repositories.readings`).

Only constants and validated names are ever formatted into these strings; values are bound.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from app.domain.points import CSV_COLUMNS
from app.domain.timegrid import (
    BUCKET_RESOLUTIONS,
    CALENDAR_BUCKET_UNITS,
    CALENDAR_STEPS,
    FIXED_STEPS,
)
from app.repositories.readings_rows import CSV_BUCKET_COLUMNS, RangeQuery

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

# The WHERE clause of a RangeQuery: $1 area, $2 data types, $3 business types, [$4, $5).
WHERE = (
    "WHERE p.area_code = $1 AND p.data_type = ANY(CAST($2 AS text[]))"
    ' AND p.business_type = ANY(CAST($3 AS text[])) AND p."timestamp" >= $4 AND p."timestamp" < $5'
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


def group_keys(data_types: Sequence[str], business_types: Sequence[str]) -> str:
    """SQL for the 1-based positions of a row's data type and business type (columns dt, bt)."""
    dt = _position("p.data_type", data_types)
    return f"{dt} AS dt, {_position('p.business_type', business_types)} AS bt"


def points_sql(data_types: Sequence[str], business_types: Sequence[str]) -> str:
    """Native rows for binary COPY ($6: the points limit + 1), in storage order: numpy sorts
    them, cheaper than a SQL sort."""
    return (
        f'SELECT {group_keys(data_types, business_types)}, p."timestamp",'  # noqa: S608
        " (p.quantity * 1000)::int8, p.series_id, p.revision_number, p.document_created_at"
        f" FROM energy_data_points p {WHERE} LIMIT $6"
    )


COUNT_SQL = f"SELECT count(*) FROM energy_data_points p {WHERE}"  # noqa: S608
SERIES_SQL = "SELECT id, unit, resolution, data_source FROM energy_series WHERE id = ANY($1::int[])"

# CSV timestamps, the year always four digits (0001-01-01T00:00:00Z) like the JSON ones. UTC:
# the ISO text of the UTC wall time (DateStyle ISO is set for the transaction), cheaper than
# to_char. A zone: to_char with the offset of the transaction's TimeZone, plus the offset's
# seconds where it has any (local mean times, Africa/Monrovia -00:44:30 until 1972), which
# TZH:TZM drops.
CSV_TIMESTAMP_UTC = """replace(CAST({ts} AT TIME ZONE 'UTC' AS text), ' ', 'T') || 'Z'"""
CSV_TIMESTAMP_ZONED = """to_char({ts}, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') || coalesce(':'
    || lpad(CAST(nullif(abs(CAST(extract(timezone FROM {ts}) AS int4) % 60), 0) AS text), 2, '0'),
    '')"""


def _csv_select(values: Mapping[str, str], columns: Sequence[str]) -> str:
    """The SELECT list of CSV rows: the SQL text of each of ``columns``, in their order."""
    return ", ".join(values[column] for column in columns)


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
    """The parameters after $1..$5 that :func:`buckets_sql` binds, in order ($6, $7, ...):
    ``zone`` (calendar buckets), then for a mean ``series_ids``/``resolutions`` (the stored series
    in the range) and ``native_zone`` (the area's zone, for calendar-length points)."""
    names: tuple[str, ...] = ("zone",) if uses_zone(resolution) else ()
    if agg == "mean":
        names += ("series_ids", "resolutions", "native_zone")
    return names


def buckets_sql(query: RangeQuery, resolution: str, agg: str, *, timescale: bool) -> str:
    """The aggregation of ``query`` (columns dt, bt, bucket, value, points); the parameters
    after $5 are :func:`bucket_params`.

    ``mean`` is time-weighted: each point counts with the length of its own interval (its
    series' resolution), so a bucket mixing hourly and quarter-hourly points is the mean over
    time, not over points. ``sum`` is the plain sum of the stored values; min/max as stored.
    """
    if resolution not in BUCKET_RESOLUTIONS:
        raise ValueError(f"resolution {resolution!r} is not a bucket size")
    at = {name: f"${i}" for i, name in enumerate(bucket_params(resolution, agg), 6)}
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
        f" FROM energy_data_points p{join} {WHERE} GROUP BY 1, 2, 3"
    )


def csv_points_sql(query: RangeQuery, *, zoned: bool, one_group: bool, one_resolution: bool) -> str:
    """Native CSV rows, answer-ordered. $6: the resolution (one) or $6/$7: series ids and their
    resolutions (several)."""
    ts = (CSV_TIMESTAMP_ZONED if zoned else CSV_TIMESTAMP_UTC).format(ts='p."timestamp"')
    if one_resolution:
        resolution, join = "CAST($6 AS text)", ""
    else:
        resolution = "r.resolution"
        join = (
            " JOIN unnest(CAST($6 AS int[]), CAST($7 AS text[])) AS r(id, resolution)"
            " ON r.id = p.series_id"
        )
    order = '"timestamp"' if one_group else 'dt, bt, "timestamp"'
    keys = group_keys(query.data_types, query.business_types)
    values = {
        "timestamp": ts,
        "area_code": "p.area_code",
        "data_type": "p.data_type",
        "business_type": "p.business_type",
        "quantity": "trim_scale(p.quantity)",
        "resolution": resolution,
    }
    return (
        f"SELECT {_csv_select(values, CSV_COLUMNS)}"  # noqa: S608
        f" FROM (SELECT {keys}, p.* FROM energy_data_points p {WHERE}) p{join}"
        f" ORDER BY {order}"
    )


def csv_buckets_sql(
    query: RangeQuery, resolution: str, agg: str, *, zoned: bool, timescale: bool
) -> str:
    """Aggregated CSV rows: mean as float8 text (the JSON number), min/max/sum exact numeric,
    then the bucket's native points, expected native points and whether the range cuts it.

    After :func:`bucket_params` come five arrays describing every bucket of the answer: dt, bt
    positions, bucket start (UNIX epoch microseconds), expected points (NULL: unknown grid) and
    the partial flag, computed by the caller.
    """
    ts = (CSV_TIMESTAMP_ZONED if zoned else CSV_TIMESTAMP_UTC).format(ts="b.bucket")
    value = "value::float8" if agg == "mean" else "trim_scale(value)"
    inner = buckets_sql(query, resolution, agg, timescale=timescale)
    n = 6 + len(bucket_params(resolution, agg))
    arrays = ", ".join(
        f"CAST(${n + i} AS {kind}[])"
        for i, kind in enumerate(("int2", "int2", "int8", "int4", "bool"))
    )
    values = {
        "timestamp": ts,
        "area_code": "CAST($1 AS text)",
        "data_type": "(CAST($2 AS text[]))[b.dt]",
        "business_type": "(CAST($3 AS text[]))[b.bt]",
        "quantity": value,
        # one of BUCKET_RESOLUTIONS (buckets_sql checked it): a constant
        "resolution": f"'{resolution}'",
        "points": "b.points",
        "expected_points": "e.expected",
        "partial": "CASE WHEN e.partial THEN 'true' WHEN NOT e.partial THEN 'false' END",
    }
    return (
        f"SELECT {_csv_select(values, CSV_BUCKET_COLUMNS)}"  # noqa: S608
        f" FROM ({inner}) b LEFT JOIN ("
        " SELECT dt, bt, TIMESTAMPTZ 'epoch' + us * interval '1 microsecond' AS bucket,"
        f" expected, partial FROM unnest({arrays}) AS u(dt, bt, us, expected, partial)"
        ") e ON e.dt = b.dt AND e.bt = b.bt AND e.bucket = b.bucket"
        " ORDER BY b.dt, b.bt, b.bucket"
    )


def groups_sql(query: RangeQuery) -> str:
    """One row per stored series in the range: dt, bt (positions), series id, unit, resolution,
    source, rows, first, last, newest revision and issue time. Grouped on small integers; the
    series metadata is joined after grouping (MATERIALIZED: the planner must not hash the whole
    series table for a few hundred rows)."""
    return f"""
WITH per_series AS MATERIALIZED (
    SELECT {group_keys(query.data_types, query.business_types)}, p.series_id, count(*) AS n,
           min(p."timestamp") AS first, max(p."timestamp") AS last,
           max(p.revision_number) AS revision, max(p.document_created_at) AS issued
    FROM energy_data_points p
    WHERE p.area_code = :area AND p.data_type = ANY(CAST(:types AS text[]))
      AND p.business_type = ANY(CAST(:btypes AS text[]))
      AND p."timestamp" >= :start AND p."timestamp" < :end
    GROUP BY 1, 2, 3
)
SELECT g.dt, g.bt, g.series_id, s.unit, s.resolution, s.data_source,
       g.n, g.first, g.last, g.revision, g.issued
FROM per_series g JOIN energy_series s ON s.id = g.series_id
"""  # noqa: S608


_NEAREST = """
    SELECT s.resolution, p."timestamp" FROM energy_data_points p
    JOIN energy_series s ON s.id = p.series_id
    WHERE p.area_code = :area AND p.data_type = d.data_type AND p."timestamp" {cmp} :end
    ORDER BY p."timestamp" {order} LIMIT 1"""
# Two index probes per data type: the newest row before `end`, else the oldest from `end` on.
REFERENCES_SQL = f"""
SELECT d.data_type, r.resolution, r."timestamp"
FROM unnest(CAST(:types AS text[])) AS d(data_type)
CROSS JOIN LATERAL (
    ({_NEAREST.format(cmp="<", order="DESC")})
    UNION ALL
    ({_NEAREST.format(cmp=">=", order="ASC")})
    LIMIT 1
) r
"""  # noqa: S608

# The timestamp of the (keep + 1)-th row in time order: [start, it) holds at most `keep` rows.
SUGGESTED_END_SQL = """
SELECT "timestamp" FROM energy_data_points
WHERE area_code = :area AND data_type = ANY(CAST(:types AS text[]))
  AND business_type = ANY(CAST(:btypes AS text[]))
  AND "timestamp" >= :start AND "timestamp" < :end
ORDER BY "timestamp" OFFSET :keep LIMIT 1
"""


def accuracy_sql(resolution: str | None, *, timescale: bool) -> str:
    """Day-ahead (f) against actual (a) per forecast interval in [start, end).

    Each forecast point stands for [ts, ts + its resolution); the actual compared with it is the
    time-weighted mean of the actual points that start in that interval (and in [start, end)),
    compared only when they cover it completely (no hole, nothing sticking out): an hourly
    forecast meets the mean of four quarter-hours, a quarter-hourly one the quarter-hour itself.
    Interval lengths come from each point's series resolution (calendar ones in :area_tz).

    Rows: (bucket, points, MAE, RMSE, MAPE in %, bias = mean(forecast - actual), points with a
    non-zero actual, forecast resolutions compared). The overall row (bucket NULL) comes first;
    it exists even with no pairs. Arithmetic is exact numeric; MAPE skips zero actuals.
    """
    if resolution is None:
        bucket, grouping = "NULL::timestamptz", "()"
    else:
        bucket = bucket_expr(resolution, "CAST(:tz AS text)", ts="f.ts", timescale=timescale)
        grouping = "GROUPING SETS ((bucket), ())"
    value = "NULL::timestamptz" if resolution is None else "bucket"
    zone = "CAST(:area_tz AS text)"
    f_seconds = interval_seconds('f."timestamp"', "s.resolution", zone)
    a_seconds = interval_seconds('a."timestamp"', "s.resolution", zone)
    return f"""
WITH forecast AS MATERIALIZED (
    SELECT f."timestamp" AS ts, f.business_type, f.quantity, s.resolution,
           f."timestamp" + {f_seconds} * interval '1 second' AS ts_end
    FROM energy_data_points f JOIN energy_series s ON s.id = f.series_id
    WHERE f.area_code = :area AND f.data_type = 'day_ahead'
      AND f."timestamp" >= :start AND f."timestamp" < :end
), pairs AS MATERIALIZED (
    SELECT {bucket} AS bucket, f.resolution, x.actual, f.quantity - x.actual AS error
    FROM forecast f
    CROSS JOIN LATERAL (
        SELECT sum(a.quantity * w.seconds) / sum(w.seconds) AS actual,
               sum(w.seconds) AS covered,
               max(a."timestamp" + w.seconds * interval '1 second') AS last_end
        FROM energy_data_points a JOIN energy_series s ON s.id = a.series_id
        CROSS JOIN LATERAL (SELECT {a_seconds} AS seconds) w
        WHERE a.area_code = :area AND a.data_type = 'actual'
          AND a.business_type = f.business_type
          AND a."timestamp" >= f.ts AND a."timestamp" < f.ts_end AND a."timestamp" < :end
    ) x
    WHERE x.covered * interval '1 second' = f.ts_end - f.ts AND x.last_end <= f.ts_end
)
SELECT {value}, count(*)::int8, avg(abs(error))::float8, sqrt(avg(error * error))::float8,
       (100 * avg(abs(error) / abs(actual)) FILTER (WHERE actual <> 0))::float8,
       avg(error)::float8, (count(*) FILTER (WHERE actual <> 0))::int8,
       coalesce(array_agg(DISTINCT resolution), CAST('{{}}' AS text[]))
FROM pairs GROUP BY {grouping} ORDER BY 1 NULLS FIRST
"""  # noqa: S608
