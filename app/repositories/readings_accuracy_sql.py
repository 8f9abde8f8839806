"""SQL text of the forecast accuracy (:meth:`app.repositories.readings.Readings.accuracy`).

Only constants and validated names are ever formatted into these strings; values are bound.
"""

from __future__ import annotations

from app.repositories.readings_buckets_sql import bucket_expr, interval_seconds


def accuracy_sql(resolution: str | None, *, timescale: bool) -> str:
    """Day-ahead (f) against actual (a) per forecast interval in [start, end).

    Each forecast point stands for [ts, ts + its resolution); the actual compared with it is the
    time-weighted mean of the actual points that start in that interval (and in [start, end)),
    compared only when they cover it completely (no hole, nothing sticking out): an hourly
    forecast meets the mean of four quarter-hours, a quarter-hourly one the quarter-hour itself.
    Interval lengths come from each point's series resolution (calendar ones in :area_tz). Load
    has no production type: ``psr_type = ''`` keeps the time range in the index condition (the
    key has the production type before the time, and PostgreSQL 15 has no skip scan).

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
    WHERE f.area_code = :area AND f.data_type = 'day_ahead' AND f.psr_type = ''
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
        WHERE a.area_code = :area AND a.data_type = 'actual' AND a.psr_type = ''
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
