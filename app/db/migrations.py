"""Alembic, driven from the service: upgrade at start-up, report the schema's state and mode.

The Alembic files live at the repository root (``alembic.ini``, ``alembic/``), found relative to
this package (so the current directory does not matter), or, when the package is installed
without its source tree, in the current directory.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

import app
from alembic import command


def _root() -> Path:
    """The folder holding alembic.ini and alembic/: the source checkout of this package, or (for
    a non-editable install, as in the container image) the current directory."""
    for candidate in (Path(app.__file__).resolve().parents[1], Path.cwd()):
        if (candidate / "alembic.ini").is_file() and (candidate / "alembic").is_dir():
            return candidate
    return Path(app.__file__).resolve().parents[1]


ROOT = _root()
ALEMBIC_INI = ROOT / "alembic.ini"
SCRIPT_LOCATION = ROOT / "alembic"

# Any fixed number: concurrent start-ups (several replicas) take turns instead of racing to create
# the same tables; the lock is transaction-scoped, so it is released when the migration commits.
_MIGRATION_LOCK = 0x45445301


def alembic_config() -> Config:
    """The Alembic config of this repository, with logging left to the service."""
    if not ALEMBIC_INI.is_file():
        raise RuntimeError(f"alembic.ini not found in {ROOT} (nor in the current directory)")
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["configure_logger"] = False
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no Alembic revisions in {SCRIPT_LOCATION}")
    return head


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade_to_head(url: str) -> None:
    """Migrate the database at ``url`` (asyncpg URL) to the newest revision.

    Idempotent and safe at every start-up: at head it does nothing; every pending revision runs in
    one transaction, so a failure leaves the schema as it was.
    """
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            await conn.run_sync(_upgrade)
    finally:
        await engine.dispose()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def migration_state(engine: AsyncEngine) -> tuple[str | None, str]:
    """(current revision or None for an empty database, head revision of this code)."""
    async with engine.connect() as conn:
        current = await conn.run_sync(_current)
    return current, head_revision()


async def timescale_enabled(engine: AsyncEngine) -> bool:
    """Whether ``energy_data_points`` is a TimescaleDB hypertable (else a plain table)."""
    async with engine.connect() as conn:
        installed = await conn.scalar(
            text("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
        )
        if installed is None:
            return False
        hypertable = await conn.scalar(
            text(
                "SELECT 1 FROM timescaledb_information.hypertables"
                " WHERE hypertable_name = 'energy_data_points'"
            )
        )
    return hypertable is not None
