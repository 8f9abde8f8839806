"""Fixtures for the pipeline tests: a clean database per test, sandboxes, one HTTP client.

Collections commit window by window (that is what is under test), so these tests cannot run
inside a rolled-back transaction: each starts and ends with the collection tables truncated.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
from pipeline_support import truncate

from app.config import to_async_url
from app.db.database import Database
from app.sandbox import SandboxConfig, SandboxServer


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
