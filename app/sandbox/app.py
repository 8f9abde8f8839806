"""The sandbox's ASGI app: ``GET /api`` like ENTSO-E's Transparency Platform, with its limits.

A bare ASGI callable (no router, no middleware): the work per request is the document, and
a connection reset needs uvicorn's transport, which only the raw ``send`` leads to. Order per
request: token (401), rate limit and ban (429), injected faults (burst of 429, slowness, 503,
reset), then the answer (document or acknowledgement), possibly truncated. Every outcome is
counted in ``app.state.sandbox.counters``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import struct
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import structlog
from starlette.types import Receive, Scope, Send

from app.sandbox.answer import answer
from app.sandbox.config import SandboxConfig
from app.sandbox.faults import FaultPlan, RateLimiter, truncate

log = structlog.get_logger(__name__)

COUNTERS = (
    "requests", "replies_200", "acks", "unauthorized", "rate_limited", "fault_429",
    "fault_503", "fault_slow", "fault_reset", "fault_truncated", "points",
)  # fmt: skip
UNAUTHORIZED_BODY = (
    b"<html><head><title>401 Unauthorized</title></head><body><h1>401 Unauthorized</h1>"
    b"<p>The security token is missing or not valid.</p></body></html>"
)
UNAVAILABLE_BODY = (
    b"<html><body><h1>503 Service Unavailable</h1>"
    b"No server is available to handle this request.</body></html>"
)
BANNED_TEXT = (
    "HTTP Status 429 - TOO MANY REQUESTS. Max allowed requests per minute from each unique IP"
    " is max up to {limit} only. Banned until {until}."
)


class SandboxState:
    """What one sandbox instance keeps between requests."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.limiter = RateLimiter(
            config.rate_limit_per_minute, config.rate_window_seconds, config.ban_seconds
        )
        self.faults = FaultPlan(config)


class AppState:
    def __init__(self, sandbox: SandboxState) -> None:
        self.sandbox = sandbox


class SandboxApp:
    """ASGI app; ``state.sandbox`` holds the config and the counters."""

    def __init__(self, config: SandboxConfig) -> None:
        self.state = AppState(SandboxState(config))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"].rstrip("/") != "/api":
            await _send(send, 404, b"Not Found", (("content-type", "text/plain"),))
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _send(send, 405, b"Method Not Allowed", (("content-type", "text/plain"),))
            return
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        await self._handle(query, send)

    async def _handle(self, query: dict[str, str], send: Send) -> None:
        state = self.state.sandbox
        config, counters = state.config, state.counters
        counters["requests"] += 1
        token = next((v for k, v in query.items() if k.lower() == "securitytoken"), "")
        if token not in config.tokens:
            counters["unauthorized"] += 1
            await _send(send, 401, UNAUTHORIZED_BODY, (("content-type", "text/html"),))
            return
        banned = state.limiter.check(token)
        if banned is not None:
            counters["rate_limited"] += 1
            log.info("sandbox.rate_limited", ban_s=round(banned, 3))
            await _too_many(send, config.rate_limit_per_minute, banned)
            return
        decision = state.faults.next()
        if decision.burst_429:
            counters["fault_429"] += 1
            await _too_many(send, config.rate_limit_per_minute, config.burst_retry_after)
            return
        if decision.slow:
            counters["fault_slow"] += 1
            await asyncio.sleep(config.slow_seconds)
        if decision.fault == "503":
            counters["fault_503"] += 1
            await _send(send, 503, UNAVAILABLE_BODY, (("content-type", "text/html"),))
            return
        if decision.fault == "reset":
            counters["fault_reset"] += 1
            await _reset(send)
            return
        reply = answer(config, query, config.current_time())
        body = reply.body
        if not reply.is_document:
            counters["acks"] += 1
        elif decision.fault == "truncate":
            counters["fault_truncated"] += 1
            body = truncate(body, decision.cut)
        else:
            counters["replies_200"] += 1
            counters["points"] += reply.points
        await _send(send, reply.status, body, reply.headers)


def create_app(config: SandboxConfig | None = None) -> SandboxApp:
    """A fresh sandbox (its own counters, rate limits and fault draws)."""
    return SandboxApp(config or SandboxConfig())


async def _send(send: Send, status: int, body: bytes, headers: tuple[tuple[str, str], ...]) -> None:
    raw = [(k.encode(), v.encode()) for k, v in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _too_many(send: Send, limit: int, seconds: float) -> None:
    # "until" is wall-clock time: the client compares it with its own clock.
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    stamp = until.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = BANNED_TEXT.format(limit=limit, until=stamp).encode()
    headers = (("content-type", "text/plain"), ("retry-after", str(math.ceil(seconds))))
    await _send(send, 429, body, headers)


async def _reset(send: Send) -> None:
    """Drop the connection with a TCP RST, before any byte of the response."""
    transport: Any = getattr(getattr(send, "__self__", None), "transport", None)
    # uvloop's transports are not asyncio.Transport subclasses; look for what is used.
    if not (hasattr(transport, "abort") and hasattr(transport, "get_extra_info")):
        # Not under uvicorn (e.g. httpx.ASGITransport): the closest thing is an exception.
        raise ConnectionResetError("sandbox fault: connection reset")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    # Let uvicorn see the disconnect before the app returns, so it sends nothing more.
    await asyncio.sleep(0)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
