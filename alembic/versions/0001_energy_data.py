"""energy_series and energy_data_points; a TimescaleDB hypertable when the server has the extension

Revision ID: 0001
Revises:
Create Date: 2026-11-22

The tables match app/db/models.py; constraint names are spelled out in full (``op.f``) because a
migration must not change when the models or their naming convention do.

TimescaleDB is used only when the server offers the extension (``pg_available_extensions``); then
``energy_data_points`` becomes a hypertable (30-day chunks, no extra time index: the primary key
serves every query) with compression segmented by (area_code, data_type) after 30 days. Anything
that fails on that path fails the migration: a server that lists the extension but cannot load it
(missing ``shared_preload_libraries``) is a configuration error, not a reason to fall back silently.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA_TYPES = ("actual", "day_ahead", "week_ahead", "month_ahead", "year_ahead", "forecast_margin")


def _timescaledb_available() -> bool:
    query = sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
    return op.get_bind().execute(query).scalar() is not None


def _is_hypertable(table: str) -> bool:
    bind = op.get_bind()
    installed = bind.execute(
        sa.text("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
    ).scalar()
    if installed is None:
        return False
    query = sa.text(
        "SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = :table"
    )
    return bind.execute(query, {"table": table}).scalar() is not None


def upgrade() -> None:
    op.create_table(
        "energy_series",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("document_mrid", sa.String(64), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("time_series_mrid", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(8), nullable=False),
        sa.Column("resolution", sa.String(8), nullable=False),
        sa.Column("curve_type", sa.String(3), nullable=False),
        sa.Column("data_source", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_energy_series")),
        sa.UniqueConstraint(
            "document_mrid",
            "revision_number",
            "time_series_mrid",
            "unit",
            "resolution",
            "curve_type",
            "data_source",
            name=op.f("uq_energy_series_identity"),
        ),
    )
    data_type_check = "data_type IN (" + ", ".join(f"'{d}'" for d in DATA_TYPES) + ")"
    op.create_table(
        "energy_data_points",
        sa.Column("area_code", sa.String(16), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("business_type", sa.String(3), nullable=False),
        sa.Column("quantity", sa.Numeric(15, 3), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False),
        sa.Column("document_created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint(
            "area_code",
            "data_type",
            "timestamp",
            "business_type",
            name=op.f("pk_energy_data_points"),
        ),
        sa.CheckConstraint(data_type_check, name=op.f("ck_energy_data_points_data_type")),
    )

    if _timescaledb_available():
        op.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        op.execute(
            "SELECT create_hypertable('energy_data_points', 'timestamp',"
            " chunk_time_interval => interval '30 days', create_default_indexes => false)"
        )
        op.execute(
            "ALTER TABLE energy_data_points SET (timescaledb.compress,"
            " timescaledb.compress_segmentby = 'area_code, data_type',"
            " timescaledb.compress_orderby = '\"timestamp\"')"
        )
        op.execute("SELECT add_compression_policy('energy_data_points', interval '30 days')")


def downgrade() -> None:
    # Dropping a hypertable drops its chunks; its compression policy is a job that must go first.
    # The extension itself stays: it may predate this migration (the timescaledb image creates it)
    # and other databases objects may use it.
    if _is_hypertable("energy_data_points"):
        op.execute("SELECT remove_compression_policy('energy_data_points', if_exists => true)")
    op.drop_table("energy_data_points")
    op.drop_table("energy_series")
