"""The SQL of :mod:`app.repositories.stored`: stored points and spans, index-friendly reads.

Casts are written ``CAST(:x AS t)`` because ``:x::t`` is not a bind parameter to SQLAlchemy.
Only this module's constants are formatted into the statements (hence the S608 waivers); every
value is a bound parameter.
"""

from __future__ import annotations

# Timestamp and quantity, then the fields of the point's SeriesMeta in their order: the reader
# builds both positionally.
_POINT_COLUMNS = """
    p."timestamp", p.quantity, p.area_code, p.data_type, p.business_type, s.unit, s.resolution,
    s.curve_type, s.document_mrid, p.revision_number, p.document_created_at, s.time_series_mrid,
    s.data_source
"""

RANGE = f"""
SELECT {_POINT_COLUMNS}
FROM energy_data_points p JOIN energy_series s ON s.id = p.series_id
WHERE p.area_code = :area AND p.data_type = ANY(CAST(:types AS text[]))
  AND p."timestamp" >= :start AND p."timestamp" < :end
  AND (CAST(:btype AS text) IS NULL OR p.business_type = :btype)
ORDER BY p."timestamp", p.data_type, p.business_type
"""  # noqa: S608

# Per (area, data type) the newest timestamp is one backward probe of the primary key.
LATEST = f"""
SELECT {_POINT_COLUMNS}
FROM unnest(CAST(:areas AS text[])) AS a(area_code)
CROSS JOIN unnest(CAST(:types AS text[])) AS d(data_type)
CROSS JOIN LATERAL (
    SELECT max(e."timestamp") AS ts FROM energy_data_points e
    WHERE e.area_code = a.area_code AND e.data_type = d.data_type
) newest
JOIN energy_data_points p
    ON p.area_code = a.area_code AND p.data_type = d.data_type AND p."timestamp" = newest.ts
JOIN energy_series s ON s.id = p.series_id
ORDER BY p.area_code, p.data_type, p.business_type
"""  # noqa: S608

SPAN = """
SELECT min("timestamp"), max("timestamp"), count(*)
FROM energy_data_points
WHERE area_code = :area AND data_type = :type
  AND (CAST(:btype AS text) IS NULL OR business_type = :btype)
"""

SPANS = """
SELECT area_code, data_type, min("timestamp"), max("timestamp"), count(*)
FROM energy_data_points
GROUP BY area_code, data_type
ORDER BY area_code, data_type
"""
