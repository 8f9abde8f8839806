"""COPY ... TO STDOUT as an async iterator of chunks, with back-pressure.

asyncpg hands COPY output to a callback; a bounded queue turns that into an iterator a
StreamingResponse can consume, so a slow client pauses the COPY (and the server) instead of the
result piling up in memory. Leaving the iteration early cancels the COPY.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import suppress
from typing import Any

import asyncpg


async def copy_chunks(
    driver: asyncpg.Connection,
    statement: str,
    args: Sequence[Any],
    *,
    format: str = "csv",
    buffered: int = 8,
) -> AsyncIterator[bytes]:
    """The output of ``COPY (statement) TO STDOUT`` chunk by chunk; at most ``buffered`` chunks
    wait for the consumer. Errors of the COPY are raised from the iteration."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=buffered)

    async def sink(chunk: bytes) -> None:
        await queue.put(bytes(chunk))  # asyncpg hands out bytearrays

    async def produce() -> None:
        try:
            await driver.copy_from_query(statement, *args, output=sink, format=format)
        finally:
            await queue.put(None)

    task = asyncio.create_task(produce())
    try:
        while (chunk := await queue.get()) is not None:
            yield chunk
        await task  # re-raise what stopped the COPY, if anything
    finally:
        if not task.done():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
