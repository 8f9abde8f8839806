"""production type (psrType) in energy_data_points and its key; the generation data types

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Generation items (A75, A71, A69, A68) state one series per production type, so the type joins
the point's identity: ``energy_data_points.psr_type`` (``B01``..``B25``; empty for load rows,
which keep their values and timestamps) and a primary key
``(area_code, data_type, psr_type, timestamp, business_type)``. The type comes before the time
so that one production type over a year is one contiguous index range, as a load series is; all
types of an area are read as one range scan per type (``psr_type = ANY(...)``), measured by
``scripts/bench_key_order.py``.

``data_type`` widens to 32 characters (``generation_consumption``) in every table that has it, and
the checks admit the eight generation data types.

Downgrading deletes every row of the generation data types (the older schema can neither hold
their names nor tell their production types apart) and restores the older key and checks.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOAD_TYPES = (
    "actual",
    "day_ahead",
    "week_ahead",
    "month_ahead",
    "year_ahead",
    "forecast_margin",
)
GENERATION_TYPES = (
    "generation",
    "generation_consumption",
    "generation_forecast",
    "consumption_forecast",
    "wind_solar_day_ahead",
    "wind_solar_intraday",
    "wind_solar_current",
    "installed_capacity",
)
_TABLES = ("energy_data_points", "collection_runs", "backfill_windows", "collection_empty_gaps")
_POINTS = "energy_data_points"


def _check(types: Sequence[str]) -> str:
    return "data_type IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def _data_type_column(table: str, types: Sequence[str], length: int) -> None:
    op.drop_constraint(op.f(f"ck_{table}_data_type"), table, type_="check")
    op.alter_column(
        table,
        "data_type",
        type_=sa.String(length),
        existing_type=sa.String(32 if length == 16 else 16),
        existing_nullable=False,
    )
    op.create_check_constraint(op.f(f"ck_{table}_data_type"), table, _check(types))


def _points_key(columns: Sequence[str]) -> None:
    name = op.f(f"pk_{_POINTS}")
    op.drop_constraint(name, _POINTS, type_="primary")
    op.create_primary_key(name, _POINTS, list(columns))


def upgrade() -> None:
    for table in _TABLES:
        _data_type_column(table, LOAD_TYPES + GENERATION_TYPES, 32)
    # A constant default: PostgreSQL adds the column without rewriting the table.
    op.add_column(
        _POINTS,
        sa.Column("psr_type", sa.String(3), nullable=False, server_default=sa.text("''")),
    )
    _points_key(("area_code", "data_type", "psr_type", "timestamp", "business_type"))


def downgrade() -> None:
    generation = sa.bindparam("generation", list(GENERATION_TYPES), type_=sa.ARRAY(sa.String))
    for table in _TABLES:
        op.execute(
            sa.text(f"DELETE FROM {table} WHERE data_type = ANY(:generation)").bindparams(  # noqa: S608
                generation
            )
        )
    _points_key(("area_code", "data_type", "timestamp", "business_type"))
    op.drop_column(_POINTS, "psr_type")
    for table in _TABLES:
        _data_type_column(table, LOAD_TYPES, 16)
