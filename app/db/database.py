"""The one object that owns the async engine and the session factory."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.config import DatabaseSettings


class Database:
    """Engine + session factory. Creating it opens no connection; :meth:`dispose` closes the pool.

    ``async with database.session() as session`` is one transaction: committed when the block
    ends normally, rolled back when it raises.
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        max_overflow: int = 10,
        pool_timeout: float = 30.0,
        pool_recycle: int = 1800,
        pool_pre_ping: bool = True,
        connect_timeout: float = 5.0,
        statement_timeout: float = 60.0,
        echo: bool = False,
    ) -> None:
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_recycle=pool_recycle,
            pool_pre_ping=pool_pre_ping,
            echo=echo,
            # A hung server must fail a call, not hang it: the server cancels a statement after
            # statement_timeout; the client gives up a little later when the server (or the
            # network) does not answer at all, and on connecting after connect_timeout.
            connect_args={
                "timeout": connect_timeout,
                "command_timeout": statement_timeout + 5.0,
                "server_settings": {
                    "application_name": "energy-data-service",
                    "statement_timeout": str(int(statement_timeout * 1000)),
                },
            },
        )
        self.session_factory = async_sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: DatabaseSettings, url: str, *, development: bool) -> Database:
        return cls(
            url,
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_timeout=settings.pool_timeout,
            pool_recycle=settings.pool_recycle,
            pool_pre_ping=settings.pool_pre_ping,
            connect_timeout=settings.connect_timeout,
            statement_timeout=settings.statement_timeout,
            echo=settings.echo and development,
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.session_factory() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()

    async def ping(self) -> None:
        """Raise when the server does not answer ``SELECT 1``."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


_TIMESCALE: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


async def has_timescale(session: AsyncSession) -> bool:
    """Whether the session's database has the TimescaleDB extension (``time_bucket``), asked
    once per engine."""
    engine = (await session.connection()).engine.sync_engine
    known = _TIMESCALE.get(engine)
    if known is None:
        found = await session.scalar(
            text("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')")
        )
        known = _TIMESCALE[engine] = bool(found)
    return known


async def jit_off(session: AsyncSession) -> None:
    """No JIT compiling for the rest of the session's transaction: for reads of many rows over
    index ranges, compiling costs more (0.2-0.4 s) than it saves."""
    await session.execute(text("SELECT set_config('jit', 'off', true)"))
