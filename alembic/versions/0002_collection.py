"""collection bookkeeping: runs, backfill windows, remembered empty gaps, scheduler ticks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

- ``collection_runs``: one row per (area, item) collection (who triggered it, the range, counts,
  errors, duration); POST /collect-data jobs are the rows sharing a ``job_id``.
- ``backfill_windows``: every window a backfill finished, written in the same transaction as the
  window's points, so a re-run skips exactly what is durable.
- ``collection_empty_gaps``: gaps ENTSO-E answered empty, so healing re-asks them only after a day.
- ``scheduler_job_runs``: one row per (job, tick) claimed by a replica, so a tick runs once.

Constraint names are spelled out in full (``op.f``), as in 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA_TYPES = ("actual", "day_ahead", "week_ahead", "month_ahead", "year_ahead", "forecast_margin")
RUN_STATUSES = ("pending", "running", "succeeded", "partial", "failed", "skipped")
_DATA_TYPE_CHECK = "data_type IN (" + ", ".join(f"'{d}'" for d in DATA_TYPES) + ")"
_STATUS_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in RUN_STATUSES) + ")"


def _ts(name: str, *, nullable: bool = False, now: bool = False) -> sa.Column[object]:
    default = sa.func.now() if now else None
    return sa.Column(name, sa.DateTime(timezone=True), server_default=default, nullable=nullable)


def _count(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "collection_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("job", sa.String(32), nullable=True),
        sa.Column("area_code", sa.String(16), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        _ts("range_start"),
        _ts("range_end"),
        sa.Column("status", sa.String(16), nullable=False),
        _count("windows_planned"),
        _count("windows"),
        _count("requests"),
        _count("inserted"),
        _count("updated"),
        _count("unchanged"),
        _count("empty_windows"),
        _count("failed_windows"),
        sa.Column(
            "errors",
            postgresql.JSONB(),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        _ts("created_at", now=True),
        _ts("started_at", nullable=True),
        _ts("finished_at", nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_runs")),
        sa.CheckConstraint(_DATA_TYPE_CHECK, name=op.f("ck_collection_runs_data_type")),
        sa.CheckConstraint(_STATUS_CHECK, name=op.f("ck_collection_runs_status")),
    )
    op.create_index(op.f("ix_collection_runs_job_id"), "collection_runs", ["job_id"])
    op.create_index(op.f("ix_collection_runs_created_at"), "collection_runs", ["created_at"])

    op.create_table(
        "backfill_windows",
        sa.Column("area_code", sa.String(16), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        _ts("window_start"),
        _ts("window_end"),
        _count("requests"),
        _count("points"),
        _count("inserted"),
        _count("updated"),
        _count("unchanged"),
        sa.Column("empty", sa.Boolean(), nullable=False),
        _ts("finished_at", now=True),
        sa.PrimaryKeyConstraint(
            "area_code",
            "data_type",
            "window_start",
            "window_end",
            name=op.f("pk_backfill_windows"),
        ),
        sa.CheckConstraint(_DATA_TYPE_CHECK, name=op.f("ck_backfill_windows_data_type")),
    )

    op.create_table(
        "collection_empty_gaps",
        sa.Column("area_code", sa.String(16), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        _ts("gap_start"),
        _ts("gap_end"),
        _ts("first_seen_at", now=True),
        _ts("last_checked_at", now=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint(
            "area_code", "data_type", "gap_start", "gap_end", name=op.f("pk_collection_empty_gaps")
        ),
        sa.CheckConstraint(_DATA_TYPE_CHECK, name=op.f("ck_collection_empty_gaps_data_type")),
    )

    op.create_table(
        "scheduler_job_runs",
        sa.Column("job", sa.String(32), nullable=False),
        _ts("tick"),
        sa.Column("instance", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _ts("started_at", now=True),
        _ts("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("job", "tick", name=op.f("pk_scheduler_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_job_runs")
    op.drop_table("collection_empty_gaps")
    op.drop_table("backfill_windows")
    op.drop_index(op.f("ix_collection_runs_created_at"), table_name="collection_runs")
    op.drop_index(op.f("ix_collection_runs_job_id"), table_name="collection_runs")
    op.drop_table("collection_runs")
