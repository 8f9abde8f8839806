"""SQL text of the CSV answers (:meth:`app.repositories.readings.Readings.csv`): PostgreSQL renders
the rows, COPY writes them into the caller's spool.

Only constants and validated names are ever formatted into these strings; values are bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.domain.points import CSV_COLUMNS
from app.repositories.readings_buckets_sql import (
    bucket_args,
    bucket_params,
    buckets_sql,
    series_resolutions,
)
from app.repositories.readings_rows import (
    BASE_ARGS,
    CSV_BUCKET_COLUMNS,
    BucketExpected,
    Bucketing,
    Group,
    RangeQuery,
    key_of,
)
from app.repositories.readings_sql import group_keys, rows_from

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


def csv_points_sql(query: RangeQuery, *, zoned: bool, one_group: bool, one_resolution: bool) -> str:
    """Native CSV rows, answer-ordered. $7: the resolution (one) or $7/$8: series ids and their
    resolutions (several)."""
    ts = (CSV_TIMESTAMP_ZONED if zoned else CSV_TIMESTAMP_UTC).format(ts='p."timestamp"')
    if one_resolution:
        resolution, join = "CAST($7 AS text)", ""
    else:
        resolution = "r.resolution"
        join = (
            " JOIN unnest(CAST($7 AS int[]), CAST($8 AS text[])) AS r(id, resolution)"
            " ON r.id = p.series_id"
        )
    order = '"timestamp"' if one_group else 'dt, ps, bt, "timestamp"'
    keys = group_keys(query.data_types, query.business_types)
    values = {
        "timestamp": ts,
        "area_code": "p.area_code",
        "data_type": "p.data_type",
        "business_type": "p.business_type",
        "psr_type": "nullif(p.psr_type, '')",  # an empty field, not "" (COPY quotes '')
        "quantity": "trim_scale(p.quantity)",
        "resolution": resolution,
    }
    return (
        f"SELECT {_csv_select(values, CSV_COLUMNS)}"  # noqa: S608
        f" FROM (SELECT {keys}, p.* {rows_from(query)}) p{join}"
        f" ORDER BY {order}"
    )


def csv_buckets_sql(
    query: RangeQuery, resolution: str, agg: str, *, zoned: bool, timescale: bool
) -> str:
    """Aggregated CSV rows: mean as float8 text (the JSON number), min/max/sum exact numeric,
    then the bucket's native points, expected native points and whether the range cuts it.

    After :func:`bucket_params` come six arrays describing every bucket of the answer: dt, bt
    positions, production type number, bucket start (UNIX epoch microseconds), expected points
    (NULL: unknown grid) and the partial flag, computed by the caller.
    """
    ts = (CSV_TIMESTAMP_ZONED if zoned else CSV_TIMESTAMP_UTC).format(ts="b.bucket")
    value = "value::float8" if agg == "mean" else "trim_scale(value)"
    inner = buckets_sql(query, resolution, agg, timescale=timescale)
    n = BASE_ARGS + 1 + len(bucket_params(resolution, agg))
    arrays = ", ".join(
        f"CAST(${n + i} AS {kind}[])"
        for i, kind in enumerate(("int2", "int2", "int2", "int8", "int4", "bool"))
    )
    values = {
        "timestamp": ts,
        "area_code": "CAST($1 AS text)",
        "data_type": "(CAST($2 AS text[]))[b.dt]",
        "business_type": "(CAST($3 AS text[]))[b.bt]",
        "psr_type": "CASE WHEN b.ps > 0 THEN 'B' || lpad(CAST(b.ps AS text), 2, '0') END",
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
        " SELECT dt, bt, ps, TIMESTAMPTZ 'epoch' + us * interval '1 microsecond' AS bucket,"
        f" expected, partial FROM unnest({arrays}) AS u(dt, bt, ps, us, expected, partial)"
        ") e ON e.dt = b.dt AND e.bt = b.bt AND e.ps = b.ps AND e.bucket = b.bucket"
        " ORDER BY b.dt, b.ps, b.bt, b.bucket"
    )


def csv_statement(
    query: RangeQuery,
    groups: Sequence[Group],
    bucketing: Bucketing | None,
    *,
    zoned: bool,
    expected: BucketExpected | None,
    timescale: bool,
) -> tuple[str, list[Any]]:
    """The statement of a CSV answer and its arguments (see ``Readings.csv``): native rows with
    each series' resolution, or buckets with the expected points and partial flag of every
    bucket of the answer (``expected``)."""
    if bucketing is None:
        series = series_resolutions(groups)
        resolutions = sorted({r for _, r in series})
        statement = csv_points_sql(
            query, zoned=zoned, one_group=len(groups) <= 1, one_resolution=len(resolutions) <= 1
        )
        if len(resolutions) <= 1:
            return statement, [*query.args(), resolutions[0] if resolutions else ""]
        return statement, [*query.args(), [s[0] for s in series], [s[1] for s in series]]
    if expected is None:
        raise ValueError("aggregated CSV needs the buckets' expected points")
    statement = csv_buckets_sql(
        query, bucketing.resolution, bucketing.agg, zoned=zoned, timescale=timescale
    )
    keys = [key_of(query, g) for g in groups]
    index = expected.group.tolist()
    return statement, [
        *bucket_args(query, groups, bucketing),
        [keys[i] >> 16 for i in index],  # dt, bt, ps: the positions group_key packs
        [keys[i] & 255 for i in index],
        [keys[i] >> 8 & 255 for i in index],
        expected.epoch_us.tolist(),
        [None if n < 0 else n for n in expected.expected.tolist()],
        expected.partial.tolist(),
    ]
