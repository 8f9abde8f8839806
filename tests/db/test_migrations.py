"""The real Alembic migrations, up and down, on scratch databases of the test server."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from alembic import command
from app.db.migrations import (
    ROOT,
    alembic_config,
    head_revision,
    migration_state,
    timescale_enabled,
    upgrade_to_head,
)
from app.db.models import metadata

pytestmark = pytest.mark.db

ALEMBIC = Path(sys.executable).with_name("alembic")


@pytest_asyncio.fixture(loop_scope="session")
async def scratch(test_server: Any) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """An empty database of its own (migrations must not touch the session's database)."""
    async with test_server.scratch_database() as url:
        engine = create_async_engine(url)
        try:
            yield url, engine
        finally:
            await engine.dispose()


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def _downgrade_base(engine: AsyncEngine) -> None:
    def run(conn: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "base")

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def _timescaledb_available(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        found = await conn.scalar(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
        )
    return found is not None


async def test_upgrade_downgrade_upgrade(scratch: tuple[str, AsyncEngine]) -> None:
    url, engine = scratch
    assert await migration_state(engine) == (None, head_revision())

    await upgrade_to_head(url)
    await upgrade_to_head(url)  # at head: nothing to do, no error
    async with engine.connect() as conn:
        tables = await conn.run_sync(_tables)
    assert {"energy_series", "energy_data_points", "alembic_version"} <= tables
    assert set(metadata.tables) <= tables
    assert await migration_state(engine) == (head_revision(), head_revision())

    await _downgrade_base(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) <= {"alembic_version"}
    assert await migration_state(engine) == (None, head_revision())

    await upgrade_to_head(url)
    assert (await migration_state(engine))[0] == head_revision()


async def test_schema_matches_the_models(scratch: tuple[str, AsyncEngine]) -> None:
    url, engine = scratch
    await upgrade_to_head(url)

    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    async with engine.connect() as conn:
        assert await conn.run_sync(diff) == []
        key = await conn.scalar(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conname = 'pk_energy_data_points'"
            )
        )
    assert key == 'PRIMARY KEY (area_code, data_type, psr_type, "timestamp", business_type)'


async def test_timescale_mode_follows_the_server(scratch: tuple[str, AsyncEngine]) -> None:
    url, engine = scratch
    await upgrade_to_head(url)
    available = await _timescaledb_available(engine)
    assert await timescale_enabled(engine) is available
    if available:
        async with engine.connect() as conn:
            segment_by = await conn.scalar(
                text(
                    "SELECT string_agg(attname, ',' ORDER BY segmentby_column_index)"
                    " FROM timescaledb_information.compression_settings"
                    " WHERE hypertable_name = 'energy_data_points'"
                    " AND segmentby_column_index IS NOT NULL"
                )
            )
            policies = await conn.scalar(
                text(
                    "SELECT count(*) FROM timescaledb_information.jobs"
                    " WHERE hypertable_name = 'energy_data_points'"
                    " AND proc_name = 'policy_compression'"
                )
            )
        assert segment_by == "area_code,data_type"
        assert policies == 1
    await _downgrade_base(engine)
    assert not await timescale_enabled(engine)


async def test_alembic_command_line_from_another_directory(
    scratch: tuple[str, AsyncEngine], tmp_path: Path
) -> None:
    """`alembic -c <repo>/alembic.ini` takes the URL from the settings (DATABASE__URL)."""
    url, engine = scratch
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    env["DATABASE__URL"] = make_url(url).set(drivername="postgresql").render_as_string(False)
    for action in (["upgrade", "head"], ["downgrade", "base"], ["upgrade", "head"]):
        process = await asyncio.create_subprocess_exec(
            str(ALEMBIC),
            "-c",
            str(ROOT / "alembic.ini"),
            *action,
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, stderr.decode()
    assert (await migration_state(engine))[0] == head_revision()


async def _migrate(engine: AsyncEngine, action: str, revision: str) -> None:
    def run(conn: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = conn
        getattr(command, action)(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


# Four windows of PT actual at 0002: one holding ENTSO-E's points only, one the sandbox's only,
# one both, one nothing (ENTSO-E answered it empty); and a remembered empty gap.
_POPULATE_0002 = """
INSERT INTO energy_series (id, document_mrid, revision_number, time_series_mrid, unit,
                           resolution, curve_type, data_source)
VALUES (1, 'real', 1, 'ts', 'MAW', 'PT60M', 'A01', 'entsoe'),
       (2, 'fake', 1, 'ts', 'MAW', 'PT60M', 'A01', 'entsoe-sandbox');
INSERT INTO energy_data_points (area_code, data_type, "timestamp", business_type, quantity,
                                revision_number, document_created_at, series_id)
SELECT 'PT', 'actual', t, 'A04', 1, 1, '2025-02-01', CASE
    WHEN t < '2025-01-02' THEN 1
    WHEN t < '2025-01-03' THEN 2
    WHEN t < '2025-01-03 12:00' THEN 1 ELSE 2 END
FROM generate_series(timestamptz '2025-01-01', '2025-01-03 23:00', interval '1 hour') AS t;
INSERT INTO backfill_windows (area_code, data_type, window_start, window_end, requests, empty)
VALUES ('PT', 'actual', '2025-01-01', '2025-01-02', 1, false),
       ('PT', 'actual', '2025-01-02', '2025-01-03', 1, false),
       ('PT', 'actual', '2025-01-03', '2025-01-04', 1, false),
       ('PT', 'actual', '2025-01-04', '2025-01-05', 1, true);
INSERT INTO collection_empty_gaps (area_code, data_type, gap_start, gap_end)
VALUES ('PT', 'actual', '2025-01-04', '2025-01-05');
"""


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text(sql))]


async def _key(engine: AsyncEngine, table: str) -> str:
    async with engine.connect() as conn:
        key = await conn.scalar(
            text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = :n"),
            {"n": f"pk_{table}"},
        )
    return str(key)


async def test_bookkeeping_gets_a_source_and_loses_it_again(
    scratch: tuple[str, AsyncEngine],
) -> None:
    """0003 on a populated database: a window is ENTSO-E's only if every point it holds is;
    anything unknown is the sandbox's (asked again rather than skipped); down again, one row per
    range is kept, ENTSO-E's where both sources recorded it."""
    _, engine = scratch
    await _migrate(engine, "upgrade", "0002")
    async with engine.begin() as conn:
        for statement in _POPULATE_0002.split(";"):
            if statement.strip():
                await conn.execute(text(statement))

    await _migrate(engine, "upgrade", "0003")
    windows = await _rows(
        engine, "SELECT window_start::date::text, data_source FROM backfill_windows ORDER BY 1"
    )
    assert windows == [
        ("2025-01-01", "entsoe"),
        ("2025-01-02", "entsoe-sandbox"),
        ("2025-01-03", "entsoe-sandbox"),
        ("2025-01-04", "entsoe-sandbox"),
    ]
    assert await _rows(engine, "SELECT data_source FROM collection_empty_gaps") == [
        ("entsoe-sandbox",)
    ]
    for table, start, end in (
        ("backfill_windows", "window_start", "window_end"),
        ("collection_empty_gaps", "gap_start", "gap_end"),
    ):
        assert await _key(engine, table) == (
            f"PRIMARY KEY (area_code, data_type, data_source, {start}, {end})"
        )

    # Now ENTSO-E finishes the sandbox's window and answers its gap empty as well.
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO backfill_windows (area_code, data_type, data_source, window_start,"
                " window_end, requests, empty)"
                " VALUES ('PT', 'actual', 'entsoe', '2025-01-02', '2025-01-03', 7, false)"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO collection_empty_gaps (area_code, data_type, data_source, gap_start,"
                " gap_end, attempts) VALUES ('PT', 'actual', 'entsoe', '2025-01-04',"
                " '2025-01-05', 5)"
            )
        )

    await _migrate(engine, "downgrade", "0002")
    windows = await _rows(
        engine, "SELECT window_start::date::text, requests FROM backfill_windows ORDER BY 1"
    )
    assert windows == [("2025-01-01", 1), ("2025-01-02", 7), ("2025-01-03", 1), ("2025-01-04", 1)]
    assert await _rows(engine, "SELECT attempts FROM collection_empty_gaps") == [(5,)]
    assert await _key(engine, "backfill_windows") == (
        "PRIMARY KEY (area_code, data_type, window_start, window_end)"
    )
    assert await _key(engine, "collection_empty_gaps") == (
        "PRIMARY KEY (area_code, data_type, gap_start, gap_end)"
    )
    await _migrate(engine, "upgrade", "head")
    assert (await migration_state(engine))[0] == head_revision()


async def test_production_type_joins_the_key_and_leaves_it_again(
    scratch: tuple[str, AsyncEngine],
) -> None:
    """0004 on a populated database: load rows stay as they were with an empty production type
    under the new key; generation rows per type can then be stored at the same instants; down
    again, the generation rows go (the older schema cannot name them) and the load rows stay."""
    _, engine = scratch
    await _migrate(engine, "upgrade", "0003")
    async with engine.begin() as conn:
        for statement in _POPULATE_0002.split(";"):  # its series and points: 72 hours of load
            if statement.strip().startswith("INSERT INTO energy_"):
                await conn.execute(text(statement))
    before = await _rows(
        engine,
        'SELECT "timestamp", quantity, series_id FROM energy_data_points ORDER BY "timestamp"',
    )
    assert len(before) == 72

    await _migrate(engine, "upgrade", "0004")
    assert await _key(engine, "energy_data_points") == (
        'PRIMARY KEY (area_code, data_type, psr_type, "timestamp", business_type)'
    )
    after = await _rows(
        engine,
        'SELECT "timestamp", quantity, series_id, psr_type FROM energy_data_points'
        ' ORDER BY "timestamp"',
    )
    assert after == [(*row, "") for row in before]
    async with engine.begin() as conn:
        # Two production types at the same instants: distinct keys now.
        await conn.execute(
            text(
                'INSERT INTO energy_data_points (area_code, data_type, psr_type, "timestamp",'
                " business_type, quantity, revision_number, document_created_at, series_id)"
                " SELECT 'PT', 'generation_consumption', p, t, 'A01', 5, 1, '2025-02-01', 1"
                " FROM unnest(ARRAY['B10', 'B16']) AS p,"
                " generate_series(timestamptz '2025-01-01', '2025-01-01 03:00', interval '1 hour')"
                " AS t"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO backfill_windows (area_code, data_type, data_source, window_start,"
                " window_end, requests, empty) VALUES ('PT', 'generation', 'entsoe',"
                " '2025-01-01', '2025-01-02', 1, false)"
            )
        )
    counts = "SELECT data_type, count(*) FROM energy_data_points GROUP BY 1 ORDER BY 1"
    assert await _rows(engine, counts) == [("actual", 72), ("generation_consumption", 8)]

    await _migrate(engine, "downgrade", "0003")
    assert await _rows(engine, counts) == [("actual", 72)]
    assert await _rows(
        engine, "SELECT count(*) FROM backfill_windows WHERE data_type = 'generation'"
    ) == [(0,)]
    assert await _key(engine, "energy_data_points") == (
        'PRIMARY KEY (area_code, data_type, "timestamp", business_type)'
    )
    assert (
        await _rows(
            engine,
            'SELECT "timestamp", quantity, series_id FROM energy_data_points ORDER BY "timestamp"',
        )
        == before
    )
    await _migrate(engine, "upgrade", "head")
    assert (await migration_state(engine))[0] == head_revision()
