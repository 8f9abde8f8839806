"""SQL text of the aggregated reads (:meth:`app.repositories.readings.Readings.buckets`, the
aggregated CSV and the forecast accuracy): buckets in UTC or in the area's local calendar, and
the time-weighted mean, each stored point weighted by the length of its own interval.

Only constants and validated names are ever formatted into these strings; values are bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.timegrid import (
    BUCKET_RESOLUTIONS,
    CALENDAR_BUCKET_UNITS,
    CALENDAR_STEPS,
    FIXED_STEPS,
)
from app.entsoe.areas import get_area
from app.repositories.readings_rows import BASE_ARGS, Bucketing, Group, RangeQuery
from app.repositories.readings_sql import group_keys, rows_from

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


# The columns of ``SELECT dt, bt, ps, bucket, value::float8, points`` over buckets_sql, as
# pg_copy decodes them.
BUCKET_COLUMNS = [
    ("dt", "int2"),
    ("bt", "int2"),
    ("ps", "int2"),
    ("ts", "timestamptz"),
    ("q", "float8"),
    ("n", "int4"),
]


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


def bucket_args(query: RangeQuery, groups: Sequence[Group], bucketing: Bucketing) -> list[Any]:
    """The arguments of :func:`buckets_sql` (see its ``bucket_params``): the stored series of
    ``groups`` give each point's resolution for the time-weighted mean."""
    series = series_resolutions(groups)
    values = {
        "zone": bucketing.tz,
        "series_ids": [s[0] for s in series],
        "resolutions": [s[1] for s in series],
        "native_zone": get_area(query.area_code).tz,
    }
    names = bucket_params(bucketing.resolution, bucketing.agg)
    return [*query.args(), *(values[name] for name in names)]


def series_resolutions(groups: Sequence[Group]) -> list[tuple[int, str]]:
    """(series id, resolution) of every stored series of ``groups``, sorted."""
    return sorted({(p.series_id, p.resolution) for g in groups for p in g.parts})
