"""Request body limit: a body larger than API__MAX_BODY_BYTES is refused with a 413 before it is
held in memory, whether it announces its length (Content-Length) or streams in chunks."""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
