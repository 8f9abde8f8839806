"""Answers that are complete before they are sent, sent at the client's pace.

The body is in memory or in a spooled temporary file (:func:`spool`) and its size is known
(Content-Length), so nothing shared (a database connection, a transaction) waits for the client.
What a slow client can still hold is bounded: each piece must be accepted within
``send_timeout`` seconds, else the answer is abandoned (one warning, ``api.client_too_slow``;
uvicorn adds a line that the response was not completed, and closes the connection). A client
that leaves early is normal operation: one debug line, no error.
"""

from __future__ import annotations

import asyncio
import enum
import io
import tempfile
from collections.abc import Mapping
from typing import IO

import structlog
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

log = structlog.get_logger(__name__)

CHUNK_BYTES = 64 * 1024


def spool(memory_bytes: int) -> IO[bytes]:
    """A file for a body: in memory up to ``memory_bytes``, then an unnamed file in TMPDIR."""
    return tempfile.SpooledTemporaryFile(max_size=memory_bytes)


class _Outcome(enum.Enum):
    SENT = "sent"
    GONE = "gone"  # the client closed the connection
    STALLED = "stalled"  # the client accepted nothing for send_timeout seconds


class PacedResponse(Response):
    """``body`` (bytes, or a file positioned at its start holding ``size`` bytes) sent piece by
    piece; the file is closed when the response is over, however it ends."""

    def __init__(
        self,
        body: bytes | IO[bytes],
        *,
        send_timeout: float,
        size: int | None = None,
        media_type: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(body, bytes):
            size = len(body)
            body = io.BytesIO(body)
        elif size is None:
            raise ValueError("a file body needs its size")
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.source = body
        self.size = size
        self.send_timeout = send_timeout
        self.sent = 0
        self.init_headers({**(headers or {}), "content-length": str(size)})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sending = asyncio.ensure_future(self._send_all(send))
        watching = asyncio.ensure_future(_disconnect(receive))
        try:
            await asyncio.wait((sending, watching), return_when=asyncio.FIRST_COMPLETED)
            # A server that reports the disconnect only through receive() (uvicorn) lets send()
            # return quietly meanwhile: the watcher is what tells the two apart.
            outcome = sending.result() if sending.done() else _Outcome.GONE
        finally:
            for task in (sending, watching):
                task.cancel()
            await asyncio.gather(sending, watching, return_exceptions=True)
            self.source.close()
        path = scope.get("path", "")
        if outcome is _Outcome.GONE:
            log.debug("api.client_disconnected", path=path, sent=self.sent, size=self.size)
        elif outcome is _Outcome.STALLED:
            log.warning(
                "api.client_too_slow",
                path=path,
                sent=self.sent,
                size=self.size,
                send_timeout=self.send_timeout,
            )

    async def _send_all(self, send: Send) -> _Outcome:
        start = {"type": "http.response.start", "status": self.status_code}
        try:
            async with asyncio.timeout(self.send_timeout):
                await send({**start, "headers": self.raw_headers})
            while True:
                chunk = self.source.read(CHUNK_BYTES)
                last = self.sent + len(chunk) >= self.size or not chunk
                async with asyncio.timeout(self.send_timeout):
                    await send({"type": "http.response.body", "body": chunk, "more_body": not last})
                self.sent += len(chunk)
                if last:
                    return _Outcome.SENT
                # A send to a closed connection may return at once: let the watcher run.
                await asyncio.sleep(0)
        except TimeoutError:
            return _Outcome.STALLED
        except OSError:  # servers of ASGI spec 2.4 raise this on a send after a disconnect
            return _Outcome.GONE


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
