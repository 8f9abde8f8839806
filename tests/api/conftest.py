"""tests/api: the known data set stored once in the real (migrated) test database, and the app.

The data set is loaded through PointsRepository.upsert and committed, because the app reads
through its own connections; it is removed again when the package's tests are done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text

from app.db.database import Database
from app.domain.points import EnergyPoint
from app.main import create_app
from app.repositories.points import PointsRepository
from tests.api.support import TABLES, Dataset, build_dataset, running, settings_for

# The DE_LU generation day (tests of production types, the wide layout and residual load).
from tests.api.support_generation import generation  # noqa: F401


async def _truncate(database: Database) -> None:
    async with database.session() as session:
        await session.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="package")
async def dataset(database: Database) -> AsyncIterator[Dataset]:
    """The data set, stored (committed) for the package's tests and removed afterwards."""
    data = build_dataset()
    await _truncate(database)
    points = [EnergyPoint(key[3], q, data.metas[key]) for key, q in data.points.items()]
    async with database.session() as session:
        await PointsRepository(session).upsert(points)
    try:
        yield data
    finally:
        await _truncate(database)


@pytest.fixture(scope="package")
async def client(database_url: str, dataset: Dataset) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings_for(database_url))) as http:
        yield http
