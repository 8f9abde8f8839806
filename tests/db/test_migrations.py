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
    assert key == 'PRIMARY KEY (area_code, data_type, "timestamp", business_type)'


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
