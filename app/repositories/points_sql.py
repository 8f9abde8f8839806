"""The SQL of :mod:`app.repositories.points`: the merge, its series, superseded rows' deletion.

Arrays go in as parameters and come apart with ``unnest``: one statement (one round trip) per
chunk, no temporary table, no row-by-row SQL. Casts are written ``CAST(:x AS t)`` because
``:x::t`` is not a bind parameter to SQLAlchemy. Only this module's constants are formatted into
the statements (hence the S608 waivers); every value is a bound parameter.
"""

from __future__ import annotations

import re

SERIES_COLUMNS = (
    "document_mrid",
    "revision_number",
    "time_series_mrid",
    "unit",
    "resolution",
    "curve_type",
    "data_source",
)
SERIES_PARAMS = tuple(f"s_{c}" for c in SERIES_COLUMNS)
_SERIES_TYPES = ("text", "int4", "text", "text", "text", "text", "text")
_SERIES_UNNEST = (
    "unnest("
    + ", ".join(f"CAST(:{p} AS {t}[])" for p, t in zip(SERIES_PARAMS, _SERIES_TYPES, strict=True))
    + ") AS s("
    + ", ".join(SERIES_COLUMNS)
    + ")"
)

INSERT_SERIES = f"""
INSERT INTO energy_series ({", ".join(SERIES_COLUMNS)})
SELECT * FROM {_SERIES_UNNEST}
ON CONFLICT ON CONSTRAINT uq_energy_series_identity DO NOTHING
"""  # noqa: S608

SELECT_SERIES = f"""
SELECT e.id, {", ".join(f"e.{c}" for c in SERIES_COLUMNS)}
FROM {_SERIES_UNNEST}
JOIN energy_series e USING ({", ".join(SERIES_COLUMNS)})
"""  # noqa: S608

# True when the two series differ in what a point's value means (unit, resolution, curve type,
# source); only asked when the series ids differ, i.e. for a new document or revision.
_ATTRS_DIFFER = """(
    {new} <> {old} AND (
        SELECT (n.unit, n.resolution, n.curve_type, n.data_source)
               IS DISTINCT FROM (o.unit, o.resolution, o.curve_type, o.data_source)
        FROM energy_series n, energy_series o
        WHERE n.id = {new} AND o.id = {old}
    )
)"""

# One chunk, first the common part. The points come as their timestamps and one comma-separated
# string of their quantities; runs of consecutive points sharing one SeriesMeta come as arrays
# indexed by run (``r_start``: where each run begins, 1-based, ascending, so ``width_bucket``
# finds a point's run by binary search); what a group (area, data type, business type,
# production type) holds
# comes as arrays indexed by the run's ``r_grp``.
# ``incoming`` keeps one point per key (the highest revision, then the last sent); ``stored``
# reads what is stored in the chunk's key ranges, one primary-key range scan per group (the fence
# OFFSET 0 keeps it a parameterised index scan: a join the planner may turn into a hash join would
# read the whole table); ``changed`` drops the conflicts that would write nothing, so unchanged
# rows are neither locked nor rewritten, and flags the keys not stored yet (``new``).
_CLASSIFY = f"""
WITH incoming AS (
    SELECT DISTINCT ON (grp, ts) * FROM (
        SELECT (CAST(:r_grp AS int4[]))[run] AS grp, ts,
               round(CAST(quantity AS numeric), 3) AS quantity,
               (CAST(:r_rev AS int4[]))[run] AS revision_number,
               (CAST(:r_created AS timestamptz[]))[run] AS document_created_at,
               (CAST(:r_series AS int4[]))[run] AS series_id, ord
        FROM (
            SELECT p.*, width_bucket(p.ord, CAST(:r_start AS int8[])) AS run
            FROM unnest(
                CAST(:p_ts AS timestamptz[]), string_to_array(CAST(:p_qty AS text), ',')
            ) WITH ORDINALITY AS p(ts, quantity, ord)
            OFFSET 0
        ) runs
    ) points
    ORDER BY grp, ts, revision_number DESC, document_created_at DESC, ord DESC
),
groups AS (
    SELECT grp, (CAST(:g_area AS text[]))[grp] AS area_code,
           (CAST(:g_type AS text[]))[grp] AS data_type,
           (CAST(:g_btype AS text[]))[grp] AS business_type,
           (CAST(:g_psr AS text[]))[grp] AS psr_type,
           min(ts) AS first, max(ts) AS last
    FROM incoming GROUP BY grp
),
stored AS (
    SELECT g.grp, e.* FROM groups g CROSS JOIN LATERAL (
        SELECT e."timestamp" AS ts, e.quantity, e.revision_number, e.document_created_at,
               e.series_id
        FROM energy_data_points e
        WHERE e.area_code = g.area_code AND e.data_type = g.data_type
          AND e.psr_type = g.psr_type
          AND e."timestamp" BETWEEN g.first AND g.last AND e.business_type = g.business_type
        OFFSET 0
    ) e
),
changed AS (
    SELECT g.area_code, g.data_type, g.psr_type, i.ts, g.business_type, i.quantity,
           i.revision_number,
           i.document_created_at, i.series_id, e.ts IS NULL AS new
    FROM incoming i
    JOIN groups g USING (grp)
    LEFT JOIN stored e ON e.grp = i.grp AND e.ts = i.ts
    WHERE e.ts IS NULL
       OR ((i.revision_number, i.document_created_at) >= (e.revision_number, e.document_created_at)
           AND (i.quantity <> e.quantity
                OR {_ATTRS_DIFFER.format(new="i.series_id", old="e.series_id")})
           /*keeps_real:i.series_id:e.series_id*/)
),"""  # noqa: S608

_INSERT = """
    INSERT INTO energy_data_points AS t (
        area_code, data_type, psr_type, "timestamp", business_type, quantity,
        revision_number, document_created_at, series_id
    )
    SELECT area_code, data_type, psr_type, ts, business_type, quantity, revision_number,
           document_created_at, series_id
    FROM changed"""

# The guard again, against the row as it is when locked: a concurrent writer may have changed it
# since this statement's snapshot.
_ON_CONFLICT = f"""
    ON CONFLICT (area_code, data_type, psr_type, "timestamp", business_type) DO UPDATE SET
        quantity = excluded.quantity,
        revision_number = excluded.revision_number,
        document_created_at = excluded.document_created_at,
        series_id = excluded.series_id,
        updated_at = now()
    WHERE (excluded.revision_number, excluded.document_created_at)
              >= (t.revision_number, t.document_created_at)
      AND (excluded.quantity <> t.quantity
           OR {_ATTRS_DIFFER.format(new="excluded.series_id", old="t.series_id")})
      /*keeps_real:excluded.series_id:t.series_id*/
    RETURNING (t.xmax = 0) AS inserted"""

# The fast merge: keys not stored at the snapshot are inserted plainly (a plain insert costs about
# two thirds of a speculative ON CONFLICT insert); the rest go through ON CONFLICT. A concurrent
# writer that inserts one of the new keys after the snapshot makes it fail with a unique
# violation; the repository then rolls back to a savepoint and runs MERGE_POINTS instead.
MERGE_POINTS_FAST = f"""{_CLASSIFY}
fresh AS ({_INSERT} WHERE new
    RETURNING 1
),
written AS ({_INSERT} WHERE NOT new{_ON_CONFLICT}
)
SELECT (SELECT count(*) FROM incoming),
       (SELECT count(*) FROM fresh) + count(*) FILTER (WHERE inserted),
       count(*) FILTER (WHERE NOT inserted)
FROM written
"""  # noqa: S608

# The safe merge: every changed key goes through ON CONFLICT; correct whatever runs concurrently.
MERGE_POINTS = f"""{_CLASSIFY}
written AS ({_INSERT}{_ON_CONFLICT}
)
SELECT (SELECT count(*) FROM incoming),
       count(*) FILTER (WHERE inserted),
       count(*) FILTER (WHERE NOT inserted)
FROM written
"""  # noqa: S608

# Rows from another source (the sandbox) never replace rows ENTSO-E itself published. Only
# batches that carry another source run these variants, so real collections pay nothing.
_KEEPS_REAL = """AND NOT EXISTS (
        SELECT 1 FROM energy_series n, energy_series o
        WHERE n.id = {new} AND o.id = {old}
          AND o.data_source = 'entsoe' AND n.data_source <> 'entsoe'
    )"""
_MARKER = re.compile(r"/\*keeps_real:([\w.]+):([\w.]+)\*/")


def _keeping_real(sql: str) -> str:
    return _MARKER.sub(lambda m: _KEEPS_REAL.format(new=m[1], old=m[2]), sql)


MERGE_POINTS_FAST_FOREIGN = _keeping_real(MERGE_POINTS_FAST)
MERGE_POINTS_FOREIGN = _keeping_real(MERGE_POINTS)


# A batch's covered Periods (app.domain.points.CoveredPeriod), before its points are merged.
# JUDGE_PERIODS reads each Period's stored rows once (a primary-key range scan, fenced as in the
# merge): ``stale`` if a newer (revision_number, document_created_at) is stored there (it then
# changes nothing: the repository leaves its points out), ``suspect`` if it may have rows to
# delete. Only then DELETE_SUPERSEDED runs (a second statement keeps the common case small,
# below the planner's JIT threshold) on the suspect Periods not stale, whose rows are all older
# or equal: those off the Period's grid of ``step`` seconds where its rows are that whole grid,
# else (step 0) those without an incoming key. Only ENTSO-E's Periods delete its rows.
def _period(where: str) -> str:
    return f"""
WITH period AS (
    SELECT c.*, CASE WHEN c.step > 0 THEN make_interval(secs => c.step) END AS grid,
           (CAST(:g_area AS text[]))[c.grp] AS area_code,
           (CAST(:g_type AS text[]))[c.grp] AS data_type,
           (CAST(:g_btype AS text[]))[c.grp] AS business_type,
           (CAST(:g_psr AS text[]))[c.grp] AS psr_type
    FROM unnest(
        CAST(:c_grp AS int4[]), CAST(:c_start AS timestamptz[]), CAST(:c_end AS timestamptz[]),
        CAST(:c_rev AS int4[]), CAST(:c_created AS timestamptz[]), CAST(:c_real AS bool[]),
        CAST(:c_step AS int4[])
    ) WITH ORDINALITY
        AS c(grp, first, stop, revision_number, document_created_at, is_real, step, n)
    WHERE {where}
)"""  # noqa: S608


_ROWS_OF_PERIOD = """FROM energy_data_points e
        WHERE e.area_code = p.area_code AND e.data_type = p.data_type
          AND e.psr_type = p.psr_type
          AND e."timestamp" >= p.first AND e."timestamp" < p.stop
          AND e.business_type = p.business_type
        OFFSET 0"""

JUDGE_PERIODS = f"""{_period("true")}
SELECT p.n, e.stale, e.suspect FROM period p CROSS JOIN LATERAL (
    SELECT coalesce(bool_or((e.revision_number, e.document_created_at)
                            > (p.revision_number, p.document_created_at)), false) AS stale,
           count(*) > 0 AND (p.step = 0 OR bool_or(
               date_bin(p.grid, e."timestamp", p.first) <> e."timestamp")) AS suspect
    FROM (SELECT * {_ROWS_OF_PERIOD}) e
) e
WHERE e.stale OR e.suspect
"""  # noqa: S608

DELETE_SUPERSEDED = f"""{_period("c.n = ANY (CAST(:doomed AS int8[]))")},
incoming AS (
    SELECT (CAST(:r_grp AS int4[]))[width_bucket(k.ord, CAST(:r_start AS int8[]))] AS grp, k.ts
    FROM unnest(CAST(:p_ts AS timestamptz[])) WITH ORDINALITY AS k(ts, ord)
),
candidate AS (
    SELECT p.grp, p.step, p.grid, p.first, p.is_real, e.* FROM period p CROSS JOIN LATERAL (
        SELECT e.ctid AS row_id, e."timestamp" AS ts, e.series_id {_ROWS_OF_PERIOD}
    ) e
),
doomed AS (
    SELECT row_id, is_real, series_id FROM candidate
    WHERE step > 0 AND date_bin(grid, ts, first) <> ts
    UNION ALL
    SELECT c.row_id, c.is_real, c.series_id FROM candidate c
    WHERE c.step = 0 AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.grp = c.grp AND i.ts = c.ts)
),
gone AS (
    DELETE FROM energy_data_points WHERE ctid = ANY (ARRAY(
        SELECT d.row_id FROM doomed d WHERE d.is_real OR NOT EXISTS (
            SELECT 1 FROM energy_series o WHERE o.id = d.series_id AND o.data_source = 'entsoe'
        )
    ))
    RETURNING 1
)
SELECT count(*) FROM gone
"""  # noqa: S608
