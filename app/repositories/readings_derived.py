"""Derived data types: series the API computes in SQL from stored ones, never stored.

``residual_load`` = actual load (``actual``, no production type) minus the actual generation of
wind onshore (``generation`` B19), wind offshore (B18) and solar (B16), per instant of the finer
grid of its inputs: a PT60M value holds for each of its four quarter-hours when another input is
PT15M. An instant has a value only where every input that is part of the area's mix is present:
an input is part of the mix from its first stored point on (for the area, at any time), so an
area that never had offshore wind (or had none yet) counts it as 0, while a missing value of a
series the area has makes that instant a gap. Inputs with a calendar resolution (P1D...) are
ignored; a production type stored under several business types would be counted once per type.

The rows have the columns of ``energy_data_points`` the read paths use; their ``series_id`` is
minus the grid step in seconds (-900 for PT15M), which :func:`derived_series` describes.
"""

from __future__ import annotations

from app.domain.timegrid import FIXED_STEPS
from app.entsoe.psr_types import SOLAR, WIND_OFFSHORE, WIND_ONSHORE

RESIDUAL_LOAD = "residual_load"
DERIVED_TYPES: tuple[str, ...] = (RESIDUAL_LOAD,)
# The business type residual-load rows carry (load's: consumption).
RESIDUAL_BUSINESS_TYPE = "A04"
RESIDUAL_INPUTS = (WIND_ONSHORE, WIND_OFFSHORE, SOLAR)
DERIVED_SOURCE = "derived"
_UNIT = "MAW"

# The stored rows as the read paths see them (the union with derived rows has these columns).
COLUMNS = (
    'area_code, data_type, psr_type, business_type, "timestamp", quantity, series_id,'
    " revision_number, document_created_at"
)
_LABELS = {int(step.total_seconds()): r for r, step in reversed(FIXED_STEPS.items())}
_SECONDS = " ".join(f"WHEN '{r}' THEN {int(s.total_seconds())}" for r, s in FIXED_STEPS.items())


def derived_series(series_id: int) -> tuple[str, str, str]:
    """(unit, resolution, data source) of a derived series id (minus its step in seconds)."""
    seconds = -series_id
    return _UNIT, _LABELS.get(seconds, f"PT{seconds // 60}M"), DERIVED_SOURCE


def residual_sql(area: str, start: str, end: str) -> str:
    """Residual-load rows of area ``area`` in [``start``, ``end``) (SQL placeholders).

    Inputs are read from a day before ``start`` so that a coarse point starting before it still
    covers the instants it holds. Each input point is expanded to the grid step (the finest
    input resolution in the range), then the instants are summed (load +, generation -).
    """
    codes = ",".join(RESIDUAL_INPUTS)
    first = (
        'SELECT min(f."timestamp") FROM energy_data_points f WHERE f.area_code = {area}'
        " AND f.data_type = 'generation' AND f.psr_type = '{code}'"
    )
    firsts = ", ".join(
        f"({first.format(area=area, code=code)}) AS {code.lower()}" for code in RESIDUAL_INPUTS
    )
    needed = " AND ".join(
        f"(bool_or(c.psr_type = '{code}') OR f.{code.lower()} IS NULL OR c.t < f.{code.lower()})"
        for code in RESIDUAL_INPUTS
    )
    by_first = ", ".join(f"f.{code.lower()}" for code in RESIDUAL_INPUTS)
    return f"""
SELECT CAST({area} AS text) AS area_code, CAST('{RESIDUAL_LOAD}' AS text) AS data_type,
       CAST('' AS text) AS psr_type, CAST('{RESIDUAL_BUSINESS_TYPE}' AS text) AS business_type,
       r.t AS "timestamp", r.quantity, r.series_id, r.revision_number, r.document_created_at
FROM (
    WITH inputs AS MATERIALIZED (
        SELECT i.psr_type, i."timestamp",
               CASE WHEN i.psr_type = '' THEN i.quantity ELSE -i.quantity END AS q,
               i.series_id, i.revision_number, i.document_created_at
        FROM energy_data_points i
        WHERE i.area_code = {area} AND i.data_type = ANY(CAST('{{actual,generation}}' AS text[]))
          AND i.psr_type = ANY(CAST('{{"",{codes}}}' AS text[]))
          AND (i.data_type = 'actual') = (i.psr_type = '')
          AND i."timestamp" >= CAST({start} AS timestamptz) - interval '1 day'
          AND i."timestamp" < {end}
    ), sizes AS MATERIALIZED (
        SELECT s.id, CASE s.resolution {_SECONDS} END AS seconds
        FROM energy_series s WHERE s.id IN (SELECT DISTINCT series_id FROM inputs)
    ), grid AS (
        SELECT CAST(min(seconds) AS int4) AS step FROM sizes
    ), cells AS (
        SELECT i."timestamp" + k.n * g.step * interval '1 second' AS t, i.psr_type, i.q,
               i.revision_number, i.document_created_at, g.step
        FROM inputs i JOIN sizes z ON z.id = i.series_id CROSS JOIN grid g
        CROSS JOIN LATERAL generate_series(0, z.seconds / g.step - 1) AS k(n)
    ), firsts AS (
        SELECT {firsts}
    )
    SELECT c.t, sum(c.q) AS quantity, CAST(-min(c.step) AS int4) AS series_id,
           max(c.revision_number) AS revision_number,
           max(c.document_created_at) AS document_created_at
    FROM cells c CROSS JOIN firsts f
    WHERE c.t >= {start} AND c.t < {end}
    GROUP BY c.t, {by_first}
    HAVING bool_or(c.psr_type = '') AND {needed}
) r"""  # noqa: S608
