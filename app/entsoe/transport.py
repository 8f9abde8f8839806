"""HTTP-level pieces of the ENTSO-E client: the shared rate limiter, 429 bans, body unpacking."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from app.entsoe.errors import MalformedXmlError, ReplyTooLargeError

DEFAULT_MAX_REPLY_BYTES = 64 * 2**20  # a year of hourly load is ~1 MB of XML

_TOO_LARGE = re.compile(
    r"larger than (the )?(maximum )?allowed|exceeds? .*(allowed|limit|maximum)", re.I
)
_BANNED_UNTIL = re.compile(
    r"until\W{0,3}(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)",
    re.I,
)

Sleep = Callable[[float], Awaitable[None]]


def is_interval_too_large(text: str) -> bool:
    """Whether an acknowledgement's reason text says the requested interval is too long."""
    return bool(_TOO_LARGE.search(text))


class RateLimiter:
    """At most ``per_minute`` acquisitions in any 60 s of ``clock`` time, across all tasks.

    Waiters queue on one lock, so they are served in arrival order. ``pause_until`` blocks every
    caller until a clock time (an HTTP 429 ban applies to the whole token, not one request).
    """

    def __init__(self, per_minute: int, *, clock: Callable[[], float], sleep: Sleep) -> None:
        if per_minute < 1:
            raise ValueError("requests_per_minute must be at least 1")
        self.per_minute = per_minute
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause_until(self, when: float) -> None:
        self._paused_until = max(self._paused_until, when)

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                while self._sent and self._sent[0] <= now - 60.0:
                    self._sent.popleft()
                if now < self._paused_until:
                    await self._sleep(self._paused_until - now)
                elif len(self._sent) >= self.per_minute:
                    await self._sleep(self._sent[0] + 60.0 - now)
                else:
                    self._sent.append(now)
                    return


def ban_seconds(response: httpx.Response, now: datetime, default: float) -> float:
    """Seconds until the ban ends: the body's "banned until", else Retry-After, else default."""
    match = _BANNED_UNTIL.search(response.text[:2000])
    if match:
        try:
            until = datetime.fromisoformat(match.group(1).replace(" ", "T"))
        except ValueError:
            until = None
        if until is not None:
            until = until if until.tzinfo else until.replace(tzinfo=UTC)
            return max(0.0, (until - now).total_seconds()) + 0.5
    header = response.headers.get("Retry-After", "").strip()
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(header) - now).total_seconds())
            except (TypeError, ValueError):
                pass
    return default


async def read_limited(response: httpx.Response, max_bytes: int) -> httpx.Response:
    """The streamed ``response`` read into memory, decoded (Content-Encoding), at most
    ``max_bytes``: a small gzip that inflates to gigabytes stops at the limit."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ReplyTooLargeError(max_bytes)
        chunks.append(chunk)
    # The body is decoded now: drop the headers that describe the encoded one.
    headers = [
        (k, v)
        for k, v in response.headers.raw
        if k.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=b"".join(chunks), request=response.request
    )


def unpack(body: bytes, max_bytes: int = DEFAULT_MAX_REPLY_BYTES) -> list[bytes]:
    """The XML payloads of a body: itself, a gzip's content or every XML in a ZIP.

    Inflating stops at ``max_bytes`` in all (a 200 KB gzip can hold 200 MB): ReplyTooLargeError.
    """
    if len(body) > max_bytes:
        raise ReplyTooLargeError(max_bytes)
    try:
        if body[:2] == b"\x1f\x8b":
            body = _gunzip(body, max_bytes)
        if body[:4] == b"PK\x03\x04":
            return _unzip(body, max_bytes)
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
        raise MalformedXmlError(f"bad archive: {exc}", element="<body>") from None
    return [body]


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    out = b""
    while body:  # a gzip file may hold several members, one after another
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        out += inflater.decompress(body, max_bytes + 1 - len(out))
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise ReplyTooLargeError(max_bytes)
        if not inflater.eof:
            raise EOFError("gzip stream ends before its end marker")
        body = inflater.unused_data
    return out


def _unzip(body: bytes, max_bytes: int) -> list[bytes]:
    members: list[bytes] = []
    left = max_bytes
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in sorted(n for n in archive.namelist() if not n.endswith("/")):
            with archive.open(name) as member:  # sizes in the ZIP directory may lie: count
                data = member.read(left + 1)
            if len(data) > left:
                raise ReplyTooLargeError(max_bytes)
            left -= len(data)
            members.append(data)
    return members
