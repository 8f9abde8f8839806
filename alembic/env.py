"""Alembic environment: async (asyncpg), the app's metadata and naming convention.

Where the connection comes from, first match wins:
1. ``config.attributes["connection"]``: a sync Connection handed in by app/db/migrations.py
   (already inside a transaction, which the caller commits);
2. the ``sqlalchemy.url`` option, when a caller set it;
3. the service settings (``DATABASE__URL``, ``DATABASE_URL`` or ``DATABASE__HOST`` ...);
4. the embedded server in ``DATABASE__EMBEDDED_DATA_DIR``, started for this run and stopped after.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import context
from app.config import Settings, to_async_url
from app.db.models import metadata

config = context.config

# The service configures logging once (app/logging.py); only the `alembic` command line uses the
# ini file's logging sections.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def run_migrations_offline(url: str) -> None:
    context.configure(
        url=url,
        target_metadata=target_metadata,
        compare_type=True,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return

    url = config.get_main_option("sqlalchemy.url") or None
    embedded = None
    if url is None:
        settings = Settings()
        url = settings.database.async_url()
        if url is None and not context.is_offline_mode():
            from app.db.embedded import EmbeddedPostgres

            embedded = EmbeddedPostgres(settings.database.embedded_data_dir)
            url = embedded.start()
    if url is None:
        raise SystemExit("offline (--sql) mode needs DATABASE_URL or sqlalchemy.url")
    url = to_async_url(url)
    try:
        if context.is_offline_mode():
            run_migrations_offline(url)
        else:
            asyncio.run(run_async_migrations(url))
    finally:
        if embedded is not None:
            embedded.stop()


main()
