"""Request limits: the body size (:class:`BodyLimit`, API__MAX_BODY_BYTES) and the heavy-read gate
(:class:`HeavyReads`, API__MAX_HEAVY_READS and API__HEAVY_READ_POINTS)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import Depends, HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Seconds a refused heavy read is told to wait: about as long as a large answer takes to send.
HEAVY_RETRY_AFTER = 5


class BodyLimit:
    """ASGI middleware; every HTTP request, every method."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"body: larger than the allowed {self.max_bytes} bytes"
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, message)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            incoming = await receive()
            if incoming["type"] == "http.request" and not refused:
                seen += len(incoming.get("body", b""))
                if seen > self.max_bytes:
                    # Answer now and tell the app the client left: it stops reading, and
                    # whatever it answers to that is dropped below.
                    refused = True
                    await _refuse(send, message)
                    return {"type": "http.disconnect"}
            return incoming

        async def guarded(outgoing: Message) -> None:
            if not refused:
                await send(outgoing)

        await self.app(scope, counted, guarded)


async def _refuse(send: Send, message: str) -> None:
    body = orjson.dumps({"detail": message, "field": "body"})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class HeavyReads:
    """The heavy reads in progress in one app (one event loop, so a plain counter).

    A read is heavy when its range could hold more than ``heavy_points`` points. It counts from
    its first query until its last byte is sent (or the client is gone), so ``limit`` bounds the
    large database reads, the spooled answers and the slow readers of them together. One more
    is refused at once rather than queued: a queue would only keep a socket and a request waiting
    for a client that can as well come back, while the small requests go on undisturbed.
    """

    def __init__(self, limit: int, heavy_points: int) -> None:
        self.limit = limit
        self.heavy_points = heavy_points
        self.active = 0


class HeavyReadSlot:
    """One request's claim on :class:`HeavyReads`: taken by :meth:`admit`, given back when the
    request is over (see :func:`heavy_read_slot`)."""

    def __init__(self, gate: HeavyReads) -> None:
        self._gate = gate
        self.held = False

    def admit(self, most_points: int) -> None:
        """Take a slot if ``most_points`` (an upper bound of the points the read covers) makes
        the read heavy; a 503 with Retry-After when every slot is taken."""
        gate = self._gate
        if self.held or most_points <= gate.heavy_points:
            return
        if gate.active >= gate.limit:
            raise HTTPException(
                503,
                detail=f"too many large reads in progress (at most {gate.limit} at a time); try"
                " again shortly, or ask for a shorter range or a coarser resolution",
                headers={"Retry-After": str(HEAVY_RETRY_AFTER)},
            )
        gate.active += 1
        self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            self._gate.active -= 1


async def heavy_read_slot(request: Request) -> AsyncIterator[HeavyReadSlot]:
    """The request's slot. A dependency with yield: it is given back after the response has been
    sent (or the request failed), not when the handler returns."""
    slot = HeavyReadSlot(request.app.state.heavy_reads)
    try:
        yield slot
    finally:
        slot.release()


HeavyReadDep = Annotated[HeavyReadSlot, Depends(heavy_read_slot)]
