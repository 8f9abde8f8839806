"""PostgreSQL advisory locks: one replica runs a job, one collection per area and item at a time.

Session-level locks on a dedicated AUTOCOMMIT connection held for the whole critical section, so
no transaction stays open while ENTSO-E is asked. If the process dies, PostgreSQL drops the
connection and with it the lock. Keys use the two-int form under a class of their own, apart
from the bigint-keyed migration lock.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# Lock classes (first int of the two-int key).
JOB_LOCKS = 0x45445351  # one scheduler job at a time across replicas
COLLECTION_LOCKS = 0x45445352  # one collection per (area, item) at a time

_POLL_S = 0.2


def lock_key(name: str) -> int:
    """A stable signed 32-bit key for ``name`` (CRC-32: same on every replica and Python run)."""
    value = zlib.crc32(name.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


async def _try(conn: AsyncConnection, lock_class: int, key: int) -> bool:
    query = text("SELECT pg_try_advisory_lock(:c, :k)")
    return bool((await conn.execute(query, {"c": lock_class, "k": key})).scalar())


@asynccontextmanager
async def advisory_lock(
    engine: AsyncEngine, lock_class: int, name: str, *, wait: float = 0.0
) -> AsyncIterator[bool]:
    """Hold the lock ``(lock_class, name)`` for the block; yields whether it was acquired.

    ``wait`` > 0 polls until that many seconds have passed (a manual collection waiting for a
    running one); ``wait`` = 0 tries once (a scheduler tick that another replica owns).
    """
    key = lock_key(name)
    async with engine.connect() as raw:
        conn = await raw.execution_options(isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + wait
        acquired = await _try(conn, lock_class, key)
        while not acquired and time.monotonic() < deadline:
            await asyncio.sleep(min(_POLL_S, max(0.0, deadline - time.monotonic())))
            acquired = await _try(conn, lock_class, key)
        try:
            yield acquired
        finally:
            if acquired:
                unlock = text("SELECT pg_advisory_unlock(:c, :k)")
                try:
                    await conn.execute(unlock, {"c": lock_class, "k": key})
                except BaseException:
                    # Never hand a connection that still holds the lock back to the pool:
                    # closing it is what makes PostgreSQL release the lock.
                    await raw.invalidate()
                    raise
