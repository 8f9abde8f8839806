"""The SQL of :mod:`app.repositories.status`: the status page's grouped reads.

Casts are written ``CAST(:x AS t)`` because ``:x::t`` is not a bind parameter to SQLAlchemy.
"""

from __future__ import annotations

# Stored points per series (area, data type, business type, production type), stored resolution
# and time bucket, in one
# pass over [thresholds[0], thresholds[-1]). width_bucket is a binary search of the sorted
# thresholds, far cheaper per row than a time zone conversion; grouping by series_id first (a
# few thousand groups) joins energy_series once per group instead of once per row.
BUCKETED = """
WITH per_series AS (
    SELECT area_code, data_type, business_type, psr_type, series_id,
           width_bucket("timestamp", CAST(:thresholds AS timestamptz[])) AS bucket,
           count(*) AS n, min("timestamp") AS first, max("timestamp") AS last
    FROM energy_data_points
    WHERE "timestamp" >= :since AND "timestamp" < :until
    GROUP BY area_code, data_type, business_type, psr_type, series_id, bucket
)
SELECT g.area_code, g.data_type, g.business_type, s.resolution, g.bucket,
       sum(g.n)::int8, min(g.first), max(g.last), g.psr_type
FROM per_series g JOIN energy_series s ON s.id = g.series_id
GROUP BY g.area_code, g.data_type, g.business_type, g.psr_type, s.resolution, g.bucket
ORDER BY g.area_code, g.data_type, g.business_type, g.psr_type, g.bucket, min(g.first)
"""

# The newest runs of every job: the distinct jobs by a skip scan of the primary key (job, tick),
# then each job's newest ticks by a backward scan of the same key; no sort of the whole table.
RECENT_RUNS = """
WITH RECURSIVE jobs AS (
    (SELECT job FROM scheduler_job_runs ORDER BY job LIMIT 1)
    UNION ALL
    SELECT (SELECT r.job FROM scheduler_job_runs r WHERE r.job > jobs.job ORDER BY r.job LIMIT 1)
    FROM jobs WHERE jobs.job IS NOT NULL
)
SELECT r.job, r.tick, r.instance, r.status, r.error, r.started_at, r.finished_at
FROM jobs CROSS JOIN LATERAL (
    SELECT * FROM scheduler_job_runs x WHERE x.job = jobs.job ORDER BY x.tick DESC LIMIT :per_job
) r
ORDER BY r.started_at DESC, r.job
"""
