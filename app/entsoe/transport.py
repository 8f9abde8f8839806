"""HTTP-level pieces of the ENTSO-E client: the shared rate limiter, 429 bans, body unpacking."""

from __future__ import annotations

import asyncio
import gzip
import io
import re
import zipfile
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from app.entsoe.errors import MalformedXmlError

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


def unpack(body: bytes) -> list[bytes]:
    """The XML payloads of a body: itself, a gzip's content or every XML in a ZIP."""
    try:
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        if body[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                names = sorted(n for n in archive.namelist() if not n.endswith("/"))
                return [archive.read(name) for name in names]
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise MalformedXmlError(f"bad archive: {exc}", element="<body>") from None
    return [body]
