"""Async ENTSO-E Transparency Platform client for the load and generation items.

One instance per process, over the application's shared ``httpx.AsyncClient``. Every call of an
instance shares one client-side rate limiter (a 60-second sliding window) and, after an HTTP 429,
one ban: no call of the instance sends anything until the ban is over. Sleeping, both clocks and
the jitter source are injectable so tests never wait for real; an optional ``observer``
(:mod:`app.entsoe.observer`) hears of every request, retry, ban and wait. The token is never
logged and never put into an error: URLs are logged with it replaced by ``**********``.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
import structlog
from pydantic import SecretStr

from app.entsoe.areas import get_area
from app.entsoe.errors import (
    AcknowledgementError,
    EntsoeError,
    IntervalTooLargeError,
    MalformedReplyError,
    MalformedXmlError,
    ProcessorError,
    RateLimitedError,
    ReplyTooLargeError,
    TokenRejectedError,
    TransientError,
)
from app.entsoe.items import ITEMS, DataType
from app.entsoe.observer import ClientObserver, NoObserver
from app.entsoe.parser import Acknowledgement, MarketDocument, parse
from app.entsoe.planning import plan_windows
from app.entsoe.transport import (
    DEFAULT_MAX_REPLY_BYTES,
    RateLimiter,
    Sleep,
    ban_seconds,
    is_interval_too_large,
    read_limited,
    unpack,
)

log = structlog.get_logger(__name__)

REDACTED = "**********"
_HOUR = timedelta(hours=1)


@dataclass(slots=True)
class FetchResult:
    """One window's documents (none when ENTSO-E has no data) and the HTTP requests it took."""

    documents: list[MarketDocument] = field(default_factory=list)
    requests: int = 0

    @property
    def empty(self) -> bool:
        return not any(doc.time_series for doc in self.documents)


class EntsoeClient:
    """Fetches load documents window by window; see :meth:`fetch` for what is retried."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        token: SecretStr | str | None,
        base_url: str = "https://web-api.tp.entsoe.eu/api",
        timeout: float = 60.0,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        requests_per_minute: int = 400,
        max_windows: Mapping[DataType, timedelta] | None = None,
        max_rate_limit_waits: int = 5,
        default_ban_s: float = 60.0,
        max_ban_s: float = 900.0,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        observer: ClientObserver | None = None,
    ) -> None:
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        self._token = secret or ""
        self._http = http
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base, self.backoff_max = backoff_base, backoff_max
        self.max_windows = {dt: item.window for dt, item in ITEMS.items()}
        self.max_windows.update(max_windows or {})
        self.max_rate_limit_waits = max_rate_limit_waits
        self.default_ban_s, self.max_ban_s = default_ban_s, max_ban_s
        self.max_reply_bytes = max_reply_bytes
        self._sleep, self._clock, self._now = sleep, clock, now
        self._rng = rng or random.Random()
        self.limiter = RateLimiter(requests_per_minute, clock=clock, sleep=sleep)
        self.observer: ClientObserver = observer or NoObserver()

    # -- planning ---------------------------------------------------------------------------

    def plan_windows(
        self, data_type: DataType, start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """Consecutive UTC windows covering [start, end), widened to whole hours, each no longer
        than the item's planned window (a yearly one is a calendar year, as ENTSO-E counts P1Y).
        Aware datetimes only; an empty range gives no windows."""
        return plan_windows(self.max_windows[DataType(data_type)], start, end)

    # -- fetching ---------------------------------------------------------------------------

    async def fetch_range(
        self, data_type: DataType, area: str, start: datetime, end: datetime
    ) -> list[tuple[tuple[datetime, datetime], FetchResult]]:
        """Every planned window of [start, end), fetched one after the other."""
        return [
            (window, await self.fetch(data_type, area, *window))
            for window in self.plan_windows(data_type, start, end)
        ]

    async def fetch(
        self,
        data_type: DataType,
        area_eic: str,
        start: datetime,
        end: datetime,
        *,
        psr_type: str | None = None,
    ) -> FetchResult:
        """One window's documents (``area_eic`` may also be a registry short code).

        A data type that comes in another's documents (``generation_consumption`` in A75's) is
        fetched with that one's request: the documents hold both. ``psr_type`` narrows a
        generation request to one production type (ENTSO-E's ``psrType``).

        "No matching data found" (HTTP 200 or 400) is an empty result. "Larger than allowed"
        halves the window and fetches both halves. 5xx, timeouts, connection errors and
        unreadable bodies are retried with exponential backoff and jitter, HTTP 429 waits for
        the ban to end; 401/403 raise :class:`TokenRejectedError` at once. A range longer than
        the item's limit is split as :meth:`plan_windows` does.
        """
        if not self._token:
            raise EntsoeError("no ENTSO-E security token configured (ENTSOE__API_TOKEN)")
        eic = get_area(area_eic).eic
        result = FetchResult()
        item = ITEMS[ITEMS[DataType(data_type)].request]
        params = {
            "documentType": item.document_type,
            "processType": item.process_type,
            item.domain_param: eic,
        }
        if psr_type:
            params["psrType"] = psr_type
        for lo, hi in self.plan_windows(item.data_type, start, end):
            await self._fetch_window(item.data_type, params, lo, hi, result)
        return result

    async def _fetch_window(
        self,
        data_type: DataType,
        base: dict[str, str],
        start: datetime,
        end: datetime,
        result: FetchResult,
    ) -> None:
        params = {**base, "periodStart": f"{start:%Y%m%d%H%M}", "periodEnd": f"{end:%Y%m%d%H%M}"}
        eic = next(v for k, v in base.items() if k.endswith("Domain"))
        try:
            result.documents.extend(await self._get(params, result))
        except IntervalTooLargeError:
            hours = (end - start) // _HOUR
            if hours < 2:
                raise
            middle = start + _HOUR * (hours // 2)
            log.info(
                "entsoe.window_halved",
                data_type=data_type.value,
                area=eic,
                start=start.isoformat(),
                end=end.isoformat(),
                middle=middle.isoformat(),
            )
            await self._fetch_window(data_type, base, start, middle, result)
            await self._fetch_window(data_type, base, middle, end, result)

    def redacted_url(self, params: Mapping[str, str]) -> str:
        return f"{self.base_url}?{urlencode({**params, 'securityToken': REDACTED})}"

    def _redact(self, text: str) -> str:
        return text.replace(self._token, REDACTED) if self._token else text

    async def _get(self, params: dict[str, str], result: FetchResult) -> list[MarketDocument]:
        url = self.redacted_url(params)
        failures = bans = 0
        while True:
            queued = self._clock()
            await self.limiter.acquire()
            result.requests += 1
            started = self._clock()
            self.observer.throttled(started - queued)
            try:
                async with self._http.stream(
                    "GET",
                    self.base_url,
                    params={**params, "securityToken": self._token},
                    timeout=self.timeout,
                ) as streamed:
                    response = await read_limited(streamed, self.max_reply_bytes)
            except ReplyTooLargeError:
                self.observer.request(None, self._clock() - started)
                raise ReplyTooLargeError(self.max_reply_bytes, url) from None
            except (httpx.TransportError, httpx.DecodingError) as exc:  # timeouts, resets, bad gzip
                self.observer.request(None, self._clock() - started)
                reason = f"{type(exc).__name__}: {self._redact(str(exc))}"
                failures = await self._retry_or_raise(url, failures, reason, TransientError)
                continue
            status = response.status_code
            elapsed = self._clock() - started
            self.observer.request(status, elapsed)
            log.info(
                "entsoe.request",
                url=url,
                status=status,
                bytes=len(response.content),
                elapsed_ms=round(elapsed * 1000, 1),
            )
            if status in (401, 403):
                raise TokenRejectedError(status, url)
            if status == 429:
                bans += 1
                await self._wait_for_ban(response, url, bans)
                continue
            if status >= 500:
                failures = await self._retry_or_raise(
                    url, failures, f"HTTP {status}", TransientError
                )
                continue
            try:
                replies = [parse(body) for body in unpack(response.content, self.max_reply_bytes)]
            except ReplyTooLargeError:
                raise ReplyTooLargeError(self.max_reply_bytes, url) from None
            except MalformedXmlError as exc:
                if status != 200:
                    raise EntsoeError(f"HTTP {status} with an unreadable body for {url}") from None
                failures = await self._retry_or_raise(url, failures, str(exc), MalformedReplyError)
                continue
            except ProcessorError as exc:
                raise ProcessorError(
                    f"{exc} (request {url})", document_mrid=exc.document_mrid, element=exc.element
                ) from None
            return self._documents(replies, status, url)

    def _documents(
        self, replies: list[MarketDocument | Acknowledgement], status: int, url: str
    ) -> list[MarketDocument]:
        documents = []
        for reply in replies:
            if isinstance(reply, MarketDocument):
                documents.append(reply)
                continue
            if reply.is_no_data:
                log.info("entsoe.no_data", url=url, status=status)
                continue
            reason = reply.reasons[0]
            error = (
                IntervalTooLargeError
                if is_interval_too_large(reason.text)
                else AcknowledgementError
            )
            raise error(reason.code, reason.text, url)
        if status != 200 and documents:
            raise EntsoeError(f"HTTP {status} with a market document for {url}")
        return documents

    async def _retry_or_raise(
        self, url: str, failures: int, reason: str, error: type[TransientError]
    ) -> int:
        if failures >= self.max_retries:
            raise error(f"gave up after {failures + 1} attempts: {reason}", url)
        delay = min(self.backoff_max, self.backoff_base * 2**failures)
        delay = delay / 2 + self._rng.uniform(0, delay / 2)  # "equal jitter"
        log.warning("entsoe.retry", url=url, reason=reason, attempt=failures + 1, delay_s=delay)
        self.observer.retry(delay)
        await self._sleep(delay)
        return failures + 1

    async def _wait_for_ban(self, response: httpx.Response, url: str, bans: int) -> None:
        wait = ban_seconds(response, self._now(), self.default_ban_s)
        self.observer.rate_limited(wait)
        if bans > self.max_rate_limit_waits or wait > self.max_ban_s:
            raise RateLimitedError(url, wait)
        log.warning("entsoe.rate_limited", url=url, wait_s=round(wait, 3), ban=bans)
        self.limiter.pause_until(self._clock() + wait)
