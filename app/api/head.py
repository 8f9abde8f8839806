"""HEAD on every GET route: answered as the GET would be, the same status and headers (a JSON
answer's Content-Length included), without a body.

An ASGI middleware rather than a HEAD method per route, so no route can forget it and the
OpenAPI document lists each operation once (HEAD is implied by GET, RFC 9110 9.3.2). The
handler runs as for GET: a streamed CSV is still produced (and dropped), which is what its
headers depend on.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: a HEAD request is routed as GET and its body messages are emptied."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodiless(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, bodiless)
