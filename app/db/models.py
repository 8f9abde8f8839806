"""Table definitions (SQLAlchemy Core). The schema itself is created only by Alembic migrations.

``energy_data_points`` is the hot table, one row per (area, data type, production type, UTC
timestamp, business type); its key is ordered (area_code, data_type, psr_type, timestamp,
business_type) so that the range queries the API makes (one area, one or a few data types and
production types, a time range) are one index range scan per series, in time order
(``scripts/bench_key_order.py`` measured the alternatives; migration 0004). What repeats per
TimeSeries (mRIDs, unit, resolution, curve type, source) is stored
once in ``energy_series`` and referenced by a 4-byte id.

``series_id`` has no FOREIGN KEY: its per-row trigger check halves the upsert throughput
(``scripts/bench_upsert.py --with-fk``, 1M points on PostgreSQL 15: 71k instead of 132k points/s
inserting, 126k instead of 216k re-upserting). The repository is the only writer and takes every
id from ``energy_series`` in the same transaction, and nothing deletes series rows, so the
reference cannot dangle.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    Identity,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from app.entsoe.items import DataType

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

DATA_TYPES = tuple(d.value for d in DataType)
_data_type_check = "data_type IN (" + ", ".join(f"'{d}'" for d in DATA_TYPES) + ")"

energy_series = Table(
    "energy_series",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("document_mrid", String(64), nullable=False),
    Column("revision_number", Integer, nullable=False),
    Column("time_series_mrid", String(64), nullable=False),
    Column("unit", String(8), nullable=False),
    Column("resolution", String(8), nullable=False),
    Column("curve_type", String(3), nullable=False),
    Column("data_source", String(32), nullable=False),
    UniqueConstraint(
        "document_mrid",
        "revision_number",
        "time_series_mrid",
        "unit",
        "resolution",
        "curve_type",
        "data_source",
        name="uq_energy_series_identity",
    ),
)

energy_data_points = Table(
    "energy_data_points",
    metadata,
    Column("area_code", String(16), nullable=False),
    Column("data_type", String(32), nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=False),
    Column("business_type", String(3), nullable=False),
    # psrType B01..B25; empty for series without one (load)
    Column("psr_type", String(3), nullable=False, server_default=text("''")),
    Column("quantity", Numeric(15, 3), nullable=False),
    Column("revision_number", Integer, nullable=False),
    Column("document_created_at", DateTime(timezone=True), nullable=False),
    Column("series_id", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("area_code", "data_type", "psr_type", "timestamp", "business_type"),
    CheckConstraint(_data_type_check, name="data_type"),
)


# --- collection bookkeeping (migration 0002) -------------------------------------------------
RUN_STATUSES = ("pending", "running", "succeeded", "partial", "failed", "skipped")
_run_status_check = "status IN (" + ", ".join(f"'{s}'" for s in RUN_STATUSES) + ")"


def _count(name: str) -> Column[int]:
    return Column(name, Integer, nullable=False, server_default=text("0"))


collection_runs = Table(
    "collection_runs",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("job_id", Uuid, nullable=True, index=True),
    Column("trigger", String(16), nullable=False),
    Column("job", String(32), nullable=True),
    Column("area_code", String(16), nullable=False),
    Column("data_type", String(32), nullable=False),
    Column("range_start", DateTime(timezone=True), nullable=False),
    Column("range_end", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    _count("windows_planned"),
    _count("windows"),
    _count("requests"),
    _count("inserted"),
    _count("updated"),
    _count("unchanged"),
    _count("empty_windows"),
    _count("failed_windows"),
    Column("errors", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column(
        "created_at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True
    ),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("duration_s", Float, nullable=True),
    CheckConstraint(_data_type_check, name="data_type"),
    CheckConstraint(_run_status_check, name="status"),
)

# Both are kept per data source (migration 0003): a window the sandbox answered is no window
# of ENTSO-E's, and must neither be skipped nor left alone by a real collection.
backfill_windows = Table(
    "backfill_windows",
    metadata,
    Column("area_code", String(16), nullable=False),
    Column("data_type", String(32), nullable=False),
    Column("data_source", String(32), nullable=False),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("window_end", DateTime(timezone=True), nullable=False),
    _count("requests"),
    _count("points"),
    _count("inserted"),
    _count("updated"),
    _count("unchanged"),
    Column("empty", Boolean, nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("area_code", "data_type", "data_source", "window_start", "window_end"),
    CheckConstraint(_data_type_check, name="data_type"),
)

collection_empty_gaps = Table(
    "collection_empty_gaps",
    metadata,
    Column("area_code", String(16), nullable=False),
    Column("data_type", String(32), nullable=False),
    Column("data_source", String(32), nullable=False),
    Column("gap_start", DateTime(timezone=True), nullable=False),
    Column("gap_end", DateTime(timezone=True), nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_checked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("attempts", Integer, nullable=False, server_default=text("1")),
    PrimaryKeyConstraint("area_code", "data_type", "data_source", "gap_start", "gap_end"),
    CheckConstraint(_data_type_check, name="data_type"),
)

scheduler_job_runs = Table(
    "scheduler_job_runs",
    metadata,
    Column("job", String(32), nullable=False),
    Column("tick", DateTime(timezone=True), nullable=False),
    Column("instance", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("error", Text, nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    PrimaryKeyConstraint("job", "tick"),
)
