"""backfill_windows and collection_empty_gaps per data source

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

What the offline sandbox answered says nothing about what ENTSO-E holds: a window a sandbox
backfill finished must not make a real backfill skip it (its sandbox rows would stay), nor a gap
the sandbox answered empty keep real healing from asking. Both tables get ``data_source`` (as in
``energy_series``: ``entsoe``, ``entsoe-sandbox``) in their primary key.

Existing rows get a source as follows, erring towards ``entsoe-sandbox``: a row wrongly marked
``entsoe`` would hide a window or gap from real collections (the fault this fixes), while a row
wrongly marked ``entsoe-sandbox`` costs one more request to ENTSO-E, whose answer then replaces
or confirms what is stored.

- a backfill window gets the source of the points it holds when they all have one and the same
  source; an empty window, or one holding points of several sources, gets ``entsoe-sandbox``;
- an empty gap holds no points, so nothing tells its source: ``entsoe-sandbox``.

Downgrading keeps one row per (area, item, range), the ``entsoe`` one where there are several:
the older schema cannot tell the sources apart, and the real record is the one to keep.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNKNOWN = "entsoe-sandbox"

# (table, start column, end column)
_TABLES = (
    ("backfill_windows", "window_start", "window_end"),
    ("collection_empty_gaps", "gap_start", "gap_end"),
)

# The one source of every point a window holds; no row (hence NULL) for an empty window or mixed
# sources. One primary-key range scan of energy_data_points per window.
_WINDOW_SOURCE = """
UPDATE backfill_windows AS w SET data_source = COALESCE((
    SELECT min(s.data_source)
    FROM energy_data_points p JOIN energy_series s ON s.id = p.series_id
    WHERE p.area_code = w.area_code AND p.data_type = w.data_type
      AND p."timestamp" >= w.window_start AND p."timestamp" < w.window_end
    HAVING count(DISTINCT s.data_source) = 1
), :unknown)
"""

# Of the rows one (area, item, range) has under several sources, drop all but one: the entsoe
# row if there is one, else the first source by name.
_KEEP_ONE = """
DELETE FROM {table} AS d USING {table} AS k
WHERE (d.area_code, d.data_type, d.{start}, d.{end})
      = (k.area_code, k.data_type, k.{start}, k.{end})
  AND (d.data_source <> 'entsoe', d.data_source) > (k.data_source <> 'entsoe', k.data_source)
"""


def _primary_key(table: str, start: str, end: str, *, with_source: bool) -> None:
    name = op.f(f"pk_{table}")
    op.drop_constraint(name, table, type_="primary")
    source = ["data_source"] if with_source else []
    op.create_primary_key(name, table, ["area_code", "data_type", *source, start, end])


def upgrade() -> None:
    for table, _, _ in _TABLES:
        op.add_column(table, sa.Column("data_source", sa.String(32), nullable=True))
    op.execute(sa.text(_WINDOW_SOURCE).bindparams(unknown=UNKNOWN))
    op.execute(
        sa.text("UPDATE collection_empty_gaps SET data_source = :unknown").bindparams(
            unknown=UNKNOWN
        )
    )
    for table, start, end in _TABLES:
        # No default from now on: every writer names the source of what it asked.
        op.alter_column(table, "data_source", nullable=False)
        _primary_key(table, start, end, with_source=True)


def downgrade() -> None:
    for table, start, end in _TABLES:
        op.execute(sa.text(_KEEP_ONE.format(table=table, start=start, end=end)))
        _primary_key(table, start, end, with_source=False)
        op.drop_column(table, "data_source")
