"""app.db.database.Database against the real test database; and the db_session isolation."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.database import Database

pytestmark = pytest.mark.db

INSERT = text(
    "INSERT INTO energy_series (document_mrid, revision_number, time_series_mrid, unit,"
    " resolution, curve_type, data_source) VALUES (:mrid, 1, 'ts', 'MAW', 'PT15M', 'A01', 'test')"
)
COUNT = text("SELECT count(*) FROM energy_series WHERE document_mrid = :mrid")
DELETE = text("DELETE FROM energy_series WHERE document_mrid = :mrid")


async def _visible_elsewhere(database: Database, mrid: str) -> int:
    """Rows another connection sees (i.e. committed ones)."""
    async with database.engine.connect() as conn:
        return int(await conn.scalar(COUNT, {"mrid": mrid}) or 0)


async def test_session_commits_when_the_block_succeeds(database: Database) -> None:
    mrid = f"commit-{uuid.uuid4()}"
    try:
        async with database.session() as session:
            await session.execute(INSERT, {"mrid": mrid})
            assert await _visible_elsewhere(database, mrid) == 0  # not before the block ends
        assert await _visible_elsewhere(database, mrid) == 1
    finally:
        async with database.session() as session:
            await session.execute(DELETE, {"mrid": mrid})


async def test_session_rolls_back_when_the_block_raises(database: Database) -> None:
    mrid = f"rollback-{uuid.uuid4()}"

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with database.session() as session:
            await session.execute(INSERT, {"mrid": mrid})
            raise Boom
    assert await _visible_elsewhere(database, mrid) == 0


async def test_session_rolls_back_a_failed_statement(database: Database) -> None:
    mrid = f"failed-{uuid.uuid4()}"
    with pytest.raises(Exception, match="ck_energy_data_points_data_type"):
        async with database.session() as session:
            await session.execute(INSERT, {"mrid": mrid})
            await session.execute(
                text(
                    'INSERT INTO energy_data_points (area_code, data_type, "timestamp",'
                    " business_type, quantity, revision_number, document_created_at, series_id)"
                    " VALUES ('DE_LU', 'nonsense', now(), 'A04', 1, 1, now(), 1)"
                )
            )
    assert await _visible_elsewhere(database, mrid) == 0


async def test_ping_answers_and_dispose_closes_the_pool(database_url: str) -> None:
    db = Database(database_url, pool_size=1)
    await db.ping()
    assert db.engine.pool.checkedin() == 1  # ping returned its connection to the pool
    await db.dispose()
    assert db.engine.pool.checkedin() == 0  # dispose closed it


async def test_nothing_connects_until_used() -> None:
    db = Database("postgresql+asyncpg://nobody@127.0.0.1:1/nothing", pool_pre_ping=False)
    with pytest.raises(OSError):
        await db.ping()
    await db.dispose()


async def test_db_session_is_isolated(db_session: AsyncSession, database: Database) -> None:
    mrid = f"isolated-{uuid.uuid4()}"
    await db_session.execute(INSERT, {"mrid": mrid})
    await db_session.commit()  # only releases the fixture's savepoint
    assert (await db_session.execute(COUNT, {"mrid": mrid})).scalar() == 1
    assert await _visible_elsewhere(database, mrid) == 0
