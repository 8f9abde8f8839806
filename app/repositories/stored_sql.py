"""The SQL of :mod:`app.repositories.stored`: stored points and spans, index-friendly reads.

Casts are written ``CAST(:x AS t)`` because ``:x::t`` is not a bind parameter to SQLAlchemy.
Only this module's constants are formatted into the statements (hence the S608 waivers); every
value is a bound parameter.
"""

from __future__ import annotations

from app.repositories.readings_rows import ANY_PSR_SQL

# Timestamp and quantity, then the fields of the point's SeriesMeta in their order: the reader
# builds both positionally.
_POINT_COLUMNS = """
    p."timestamp", p.quantity, p.area_code, p.data_type, p.business_type, s.unit, s.resolution,
    s.curve_type, s.document_mrid, p.revision_number, p.document_created_at, s.time_series_mrid,
    s.data_source, p.psr_type
"""


RANGE = f"""
SELECT {_POINT_COLUMNS}
FROM energy_data_points p JOIN energy_series s ON s.id = p.series_id
WHERE p.area_code = :area AND p.data_type = ANY(CAST(:types AS text[]))
  AND p.psr_type = ANY({ANY_PSR_SQL})
  AND p."timestamp" >= :start AND p."timestamp" < :end
  AND (CAST(:btype AS text) IS NULL OR p.business_type = :btype)
ORDER BY p."timestamp", p.data_type, p.psr_type, p.business_type
"""  # noqa: S608

# The key is (area, data type, production type, timestamp, business type): the production types
# of an (area, data type) are found by a skip scan (one probe per type, not a read of its rows),
# then each one's newest timestamp is one backward probe.
LATEST = f"""
WITH RECURSIVE psr AS (
    SELECT a.area_code, d.data_type,
           (SELECT min(e.psr_type) FROM energy_data_points e
            WHERE e.area_code = a.area_code AND e.data_type = d.data_type) AS psr_type
    FROM unnest(CAST(:areas AS text[])) AS a(area_code)
    CROSS JOIN unnest(CAST(:types AS text[])) AS d(data_type)
    UNION ALL
    SELECT psr.area_code, psr.data_type,
           (SELECT min(e.psr_type) FROM energy_data_points e
            WHERE e.area_code = psr.area_code AND e.data_type = psr.data_type
              AND e.psr_type > psr.psr_type)
    FROM psr WHERE psr.psr_type IS NOT NULL
), newest AS (
    SELECT psr.area_code, psr.data_type, psr.psr_type,
           (SELECT max(e."timestamp") FROM energy_data_points e
            WHERE e.area_code = psr.area_code AND e.data_type = psr.data_type
              AND e.psr_type = psr.psr_type) AS ts
    FROM psr WHERE psr.psr_type IS NOT NULL
)
SELECT {_POINT_COLUMNS}
FROM newest
JOIN energy_data_points p
    ON p.area_code = newest.area_code AND p.data_type = newest.data_type
   AND p.psr_type = newest.psr_type AND p."timestamp" = newest.ts
JOIN energy_series s ON s.id = p.series_id
ORDER BY p.area_code, p.data_type, p.psr_type, p.business_type
"""  # noqa: S608

SPAN = """
SELECT min("timestamp"), max("timestamp"), count(*)
FROM energy_data_points
WHERE area_code = :area AND data_type = :type
  AND (CAST(:btype AS text) IS NULL OR business_type = :btype)
"""

SPANS = """
SELECT area_code, data_type, min("timestamp"), max("timestamp"), count(*), psr_type
FROM energy_data_points
GROUP BY area_code, data_type, psr_type
ORDER BY area_code, data_type, psr_type
"""
