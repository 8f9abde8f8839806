"""EntsoeClient at the HTTP boundary (httpx.MockTransport), on a virtual clock: nothing sleeps."""

from __future__ import annotations

import asyncio
import gzip
import io
import random
import zipfile
from collections.abc import Callable, Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import structlog
from pydantic import SecretStr

from app.entsoe import client as client_module
from app.entsoe.areas import get_area
from app.entsoe.client import EntsoeClient
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
from app.entsoe.items import DataType
from app.entsoe.transport import is_interval_too_large, unpack
from tests.entsoe.xmlgen import TS, Doc, P, ack

TOKEN = "tok-SECRET-0042"
BASE = "https://entsoe.test/api"
Handler = Callable[[httpx.Request], httpx.Response]


class VirtualTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.epoch = datetime(2026, 1, 1, tzinfo=UTC)

    def clock(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return self.epoch + timedelta(seconds=self.now)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MutableMapping[str, Any]]]:
    with structlog.testing.capture_logs() as captured:
        monkeypatch.setattr(client_module, "log", structlog.get_logger("test"))
        yield captured


def make_client(vt: VirtualTime, handler: Handler, **kwargs: object) -> EntsoeClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    options: dict[str, object] = {
        "token": SecretStr(TOKEN), "base_url": BASE, "max_retries": 3, "backoff_base": 1.0,
        "sleep": vt.sleep, "clock": vt.clock, "now": vt.wall, "rng": random.Random(7),
    }  # fmt: skip
    options.update(kwargs)
    return EntsoeClient(http, **options)  # type: ignore[arg-type]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def window_of(request: httpx.Request) -> tuple[datetime, datetime]:
    q = request.url.params
    start, end = (
        datetime.strptime(q[k] + "+0000", "%Y%m%d%H%M%z") for k in ("periodStart", "periodEnd")
    )
    return start, end


def document_for(request: httpx.Request) -> bytes:
    """A one-series actual-load document covering the requested window hour by hour."""
    start, end = window_of(request)
    hours = int((end - start) / timedelta(hours=1))
    return Doc([TS([P(start, end, "PT60M", [(k + 1, str(k)) for k in range(hours)])])]).xml()


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=document_for(request))


NO_DATA = ack("No matching data found for Data item TOTAL_LOAD [6.1.A] (10YCZ-CEPS-----N).")
TOO_LARGE = ack("The requested time interval is larger than allowed for this Data item.")
# The platform's wording since 2026 (as entsoe-py users reported it).
P1M_TEXT = (
    "Provided time interval (2022-02-28T23:00:00Z - 2022-05-30T22:00:00Z) is larger than maximum"
    " allowed period 'P1M' for 'ACTUAL_TOTAL_LOAD_R3:XML' export."
)


# -- planning and parameters -----------------------------------------------------------------


def test_plan_windows_respects_each_items_limit(vt: VirtualTime) -> None:
    c = make_client(vt, ok)
    windows = c.plan_windows(DataType.ACTUAL, utc("2024-01-01T00:00"), utc("2024-03-11T00:00"))
    assert windows == [
        (utc("2024-01-01T00:00"), utc("2024-01-29T00:00")),
        (utc("2024-01-29T00:00"), utc("2024-02-26T00:00")),
        (utc("2024-02-26T00:00"), utc("2024-03-11T00:00")),
    ]
    # ENTSO-E's P1Y is a calendar year from periodStart: 366 days only when it holds 29 February.
    yearly = c.plan_windows(DataType.YEAR_AHEAD, utc("2020-12-31T23:00"), utc("2023-07-01T00:00"))
    assert yearly == [
        (utc("2020-12-31T23:00"), utc("2021-12-31T23:00")),
        (utc("2021-12-31T23:00"), utc("2022-12-31T23:00")),
        (utc("2022-12-31T23:00"), utc("2023-07-01T00:00")),
    ]
    leap = c.plan_windows(
        DataType.INSTALLED_CAPACITY, utc("2024-02-29T00:00"), utc("2026-01-01T00:00")
    )
    assert [e for _, e in leap] == [utc("2025-02-28T00:00"), utc("2026-01-01T00:00")]


def test_plan_windows_widens_to_whole_utc_hours_and_accepts_any_zone(vt: VirtualTime) -> None:
    c = make_client(vt, ok, max_windows={DataType.DAY_AHEAD: timedelta(days=1)})
    cet = datetime(2024, 1, 1, 0, 30, tzinfo=get_area("CZ").zone)
    windows = c.plan_windows(DataType.DAY_AHEAD, cet, utc("2024-01-02T00:10"))
    assert windows == [(utc("2023-12-31T23:00"), utc("2024-01-01T23:00")),
                       (utc("2024-01-01T23:00"), utc("2024-01-02T01:00"))]  # fmt: skip
    assert c.plan_windows(DataType.ACTUAL, utc("2024-01-02T00:00"), utc("2024-01-01T00:00")) == []
    with pytest.raises(ValueError, match="aware"):
        c.plan_windows(DataType.ACTUAL, datetime(2024, 1, 1), utc("2024-01-02T00:00"))  # noqa: DTZ001


async def test_request_parameters(vt: VirtualTime) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok(request)

    c = make_client(vt, handler)
    result = await c.fetch(DataType.FORECAST_MARGIN, "CZ", utc("2023-01-01T00:00"),
                           utc("2023-01-01T05:00"))  # fmt: skip
    (request,) = seen
    assert request.method == "GET"
    assert str(request.url).startswith(BASE + "?")
    assert dict(request.url.params) == {
        "documentType": "A70", "processType": "A33", "outBiddingZone_Domain": "10YCZ-CEPS-----N",
        "periodStart": "202301010000", "periodEnd": "202301010500", "securityToken": TOKEN,
    }  # fmt: skip
    assert (result.requests, result.empty, len(result.documents)) == (1, False, 1)


@pytest.mark.parametrize(
    ("data_type", "document_type", "process_type"),
    [(DataType.ACTUAL, "A65", "A16"), (DataType.DAY_AHEAD, "A65", "A01"),
     (DataType.WEEK_AHEAD, "A65", "A31"), (DataType.MONTH_AHEAD, "A65", "A32"),
     (DataType.YEAR_AHEAD, "A65", "A33"), (DataType.FORECAST_MARGIN, "A70", "A33")],
)  # fmt: skip
async def test_each_item_asks_for_its_document_and_process_type(
    vt: VirtualTime, data_type: DataType, document_type: str, process_type: str
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=NO_DATA)

    await make_client(vt, handler).fetch(data_type, "10YNL----------L", utc("2024-01-01T00:00"),
                                         utc("2024-01-02T00:00"))  # fmt: skip
    params = seen[0].url.params
    assert (params["documentType"], params["processType"]) == (document_type, process_type)
    assert params["outBiddingZone_Domain"] == "10YNL----------L"


@pytest.mark.parametrize(
    ("data_type", "document_type", "process_type"),
    [(DataType.GENERATION, "A75", "A16"), (DataType.GENERATION_CONSUMPTION, "A75", "A16"),
     (DataType.GENERATION_FORECAST, "A71", "A01"), (DataType.CONSUMPTION_FORECAST, "A71", "A01"),
     (DataType.WIND_SOLAR_DAY_AHEAD, "A69", "A01"), (DataType.WIND_SOLAR_INTRADAY, "A69", "A40"),
     (DataType.WIND_SOLAR_CURRENT, "A69", "A18"), (DataType.INSTALLED_CAPACITY, "A68", "A33")],
)  # fmt: skip
async def test_generation_items_ask_with_in_domain(
    vt: VirtualTime, data_type: DataType, document_type: str, process_type: str
) -> None:
    """Generation items name the area as in_Domain; consumption comes in the generation
    documents, so it is asked for with their request."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=NO_DATA)

    await make_client(vt, handler).fetch(data_type, "ES", utc("2024-06-14T22:00"),
                                         utc("2024-06-15T22:00"))  # fmt: skip
    (request,) = seen
    assert dict(request.url.params) == {
        "documentType": document_type, "processType": process_type,
        "in_Domain": "10YES-REE------0", "periodStart": "202406142200",
        "periodEnd": "202406152200", "securityToken": TOKEN,
    }  # fmt: skip


async def test_psr_type_narrows_a_generation_request(vt: VirtualTime) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=NO_DATA)

    await make_client(vt, handler).fetch(DataType.GENERATION, "NL", utc("2024-09-01T22:00"),
                                         utc("2024-09-02T22:00"), psr_type="B16")  # fmt: skip
    assert seen[0].url.params["psrType"] == "B16"


def test_generation_windows_are_four_weeks_and_capacity_a_year(vt: VirtualTime) -> None:
    """The platform allows a year of A75/A69/A71; a year of every production type at PT15M is
    tens of megabytes, so the client asks for four weeks at a time. Consumption plans as the
    generation it comes with."""
    c = make_client(vt, lambda r: httpx.Response(500))
    year = (utc("2024-01-01T00:00"), utc("2025-01-01T00:00"))
    for data_type in (DataType.GENERATION, DataType.GENERATION_CONSUMPTION,
                      DataType.WIND_SOLAR_DAY_AHEAD):  # fmt: skip
        windows = c.plan_windows(data_type, *year)
        assert len(windows) == 14 and windows[0] == (year[0], utc("2024-01-29T00:00"))
    assert c.plan_windows(DataType.INSTALLED_CAPACITY, *year) == [year]


async def test_fetch_range_plans_and_fetches_every_window(vt: VirtualTime) -> None:
    c = make_client(vt, ok, max_windows={DataType.ACTUAL: timedelta(hours=10)})
    results = await c.fetch_range(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"),
                                  utc("2024-01-02T00:00"))  # fmt: skip
    assert [w for w, _ in results] == [
        (utc("2024-01-01T00:00"), utc("2024-01-01T10:00")),
        (utc("2024-01-01T10:00"), utc("2024-01-01T20:00")),
        (utc("2024-01-01T20:00"), utc("2024-01-02T00:00")),
    ]
    assert [r.requests for _, r in results] == [1, 1, 1]


# -- acknowledgements ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 400])
async def test_no_matching_data_is_an_empty_result(vt: VirtualTime, status: int) -> None:
    c = make_client(vt, lambda r: httpx.Response(status, content=NO_DATA))
    result = await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-02T00:00"))
    assert (result.empty, result.documents, result.requests) == (True, [], 1)


async def test_other_acknowledgements_raise_with_code_and_text(vt: VirtualTime) -> None:
    body = ack("Delivered time interval is not valid for this Data item.")
    c = make_client(vt, lambda r: httpx.Response(400, content=body))
    with pytest.raises(AcknowledgementError) as info:
        await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-02T00:00"))
    assert (info.value.reason_code, info.value.reason_text) == (
        "999", "Delivered time interval is not valid for this Data item.")  # fmt: skip
    assert not isinstance(info.value, IntervalTooLargeError)
    assert TOKEN not in str(info.value) and "securityToken=%2A%2A" in info.value.url


def test_too_large_detection() -> None:
    assert is_interval_too_large("The requested time interval is larger than allowed.")
    assert is_interval_too_large("Requested interval exceeds the maximum allowed of 1 year")
    assert is_interval_too_large(P1M_TEXT)
    assert is_interval_too_large(
        "Provided time interval (2023-01-01T00:00:00Z - 2024-01-01T00:00:00Z) is larger than"
        " maximum allowed period 'P1Y' for 'AGGREGATED_GENERATION_PER_TYPE_R3:XML' export."
    )
    assert not is_interval_too_large("Delivered time interval is not valid for this Data item.")
    assert not is_interval_too_large("No matching data found for Data item TOTAL_LOAD")


@pytest.mark.parametrize("refusal", [TOO_LARGE, ack(P1M_TEXT)], ids=["older", "p1m"])
async def test_larger_than_allowed_halves_the_window(vt: VirtualTime, refusal: bytes) -> None:
    windows: list[tuple[datetime, datetime]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        start, end = window_of(request)
        windows.append((start, end))
        if end - start > timedelta(days=7):
            return httpx.Response(400, content=refusal)
        return ok(request)

    c = make_client(vt, handler)
    result = await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-21T00:00"))
    assert windows == [
        (utc("2024-01-01T00:00"), utc("2024-01-21T00:00")),
        (utc("2024-01-01T00:00"), utc("2024-01-11T00:00")),
        (utc("2024-01-01T00:00"), utc("2024-01-06T00:00")),
        (utc("2024-01-06T00:00"), utc("2024-01-11T00:00")),
        (utc("2024-01-11T00:00"), utc("2024-01-21T00:00")),
        (utc("2024-01-11T00:00"), utc("2024-01-16T00:00")),
        (utc("2024-01-16T00:00"), utc("2024-01-21T00:00")),
    ]
    assert result.requests == 7 and len(result.documents) == 4
    starts = [d.start for d in result.documents]
    assert starts == sorted(starts)


async def test_larger_than_allowed_for_one_hour_gives_up(vt: VirtualTime) -> None:
    c = make_client(vt, lambda r: httpx.Response(400, content=TOO_LARGE))
    with pytest.raises(IntervalTooLargeError):
        await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T04:00"))


# -- retries ---------------------------------------------------------------------------------


def flaky(failures: list[Callable[[httpx.Request], httpx.Response]]) -> tuple[Handler, list[int]]:
    calls = [0]

    def handler(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        if failures:
            return failures.pop(0)(request)
        return ok(request)

    return handler, calls


def raise_(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    return fail


async def test_5xx_timeouts_and_resets_are_retried_with_growing_backoff(
    vt: VirtualTime, logs: list[MutableMapping[str, Any]]
) -> None:
    handler, calls = flaky([
        lambda r: httpx.Response(503, text="busy"),
        raise_(httpx.ReadTimeout("timed out")),
        raise_(httpx.ConnectError("connection reset")),
    ])  # fmt: skip
    c = make_client(vt, handler, max_retries=3, backoff_base=2.0)
    result = await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    assert calls[0] == 4 and result.requests == 4 and not result.empty
    # equal jitter: attempt n waits within [base*2^n / 2, base*2^n]
    assert len(vt.sleeps) == 3
    for n, slept in enumerate(vt.sleeps):
        assert 2.0 * 2**n / 2 <= slept <= 2.0 * 2**n
    retries = [e for e in logs if e["event"] == "entsoe.retry"]
    assert [e["attempt"] for e in retries] == [1, 2, 3]
    assert "HTTP 503" in str(retries[0]["reason"]) and "ReadTimeout" in str(retries[1]["reason"])


async def test_gives_up_after_max_retries(vt: VirtualTime) -> None:
    handler, calls = flaky([lambda r: httpx.Response(502)] * 10)
    c = make_client(vt, handler, max_retries=2)
    with pytest.raises(TransientError, match="gave up after 3 attempts: HTTP 502") as info:
        await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    assert calls[0] == 3
    assert TOKEN not in str(info.value)


async def test_truncated_xml_is_retried_then_reported_with_the_redacted_request(
    vt: VirtualTime,
) -> None:
    def truncated(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=document_for(request)[:300])

    handler, calls = flaky([truncated] * 10)
    c = make_client(vt, handler, max_retries=1)
    with pytest.raises(MalformedReplyError) as info:
        await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    assert calls[0] == 2
    assert "periodStart=202401010000" in info.value.url
    assert "securityToken=%2A%2A%2A%2A" in info.value.url
    assert TOKEN not in str(info.value) and "not well-formed" in str(info.value)


async def test_truncated_once_then_whole(vt: VirtualTime) -> None:
    handler, calls = flaky([lambda r: httpx.Response(200, content=b"<GL_MarketDocument><mR")])
    c = make_client(vt, handler)
    result = await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    assert calls[0] == 2 and len(result.documents) == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_token_rejected_is_not_retried(vt: VirtualTime, status: int) -> None:
    handler, calls = flaky([lambda r: httpx.Response(status, text="Unauthorized")] * 5)
    c = make_client(vt, handler)
    with pytest.raises(TokenRejectedError, match="rejected the security token") as info:
        await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    assert calls[0] == 1 and vt.sleeps == []
    assert info.value.status_code == status and TOKEN not in str(info.value)


async def test_missing_token_fails_before_any_request(vt: VirtualTime) -> None:
    handler, calls = flaky([])
    with pytest.raises(EntsoeError, match="no ENTSO-E security token"):
        await make_client(vt, handler, token=None).fetch(
            DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00")
        )
    assert calls[0] == 0


# -- 429 and the rate limiter ----------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "Too many requests: banned until {:%Y-%m-%dT%H:%M:%SZ}",
        "HTTP Status 429 - TOO MANY REQUESTS. Max allowed requests per minute from each unique IP"
        " is max up to 400 only. Banned until {:%Y-%m-%dT%H:%M:%S.123Z}.",
        "Banned until {:%Y-%m-%d %H:%M:%S}",  # no zone: UTC
    ],
)
async def test_429_waits_until_the_banned_until_time(vt: VirtualTime, template: str) -> None:
    sent_at: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(vt.now)
        if len(sent_at) == 1:
            until = vt.wall() + timedelta(minutes=10)
            # Retry-After disagrees on purpose: the body's time wins
            return httpx.Response(429, text=template.format(until), headers={"Retry-After": "5"})
        return ok(request)

    c = make_client(vt, handler)
    result = await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    assert result.requests == 2 and not result.empty
    assert 600 <= sent_at[1] - sent_at[0] <= 601


async def test_429_honours_retry_after_and_blocks_every_concurrent_call(vt: VirtualTime) -> None:
    sent_at: list[float] = []
    banned = asyncio.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(vt.now)
        if len(sent_at) == 1:
            banned.set()
            return httpx.Response(429, headers={"Retry-After": "120"})
        return ok(request)

    c = make_client(vt, handler)
    day = (utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    first = asyncio.create_task(c.fetch(DataType.ACTUAL, "CZ", *day))
    await banned.wait()
    others = [c.fetch(DataType.ACTUAL, "CZ", *day) for _ in range(2)]
    results = await asyncio.gather(first, *others)
    assert [r.requests for r in results] == [2, 1, 1]
    assert sent_at[0] == 0 and len(sent_at) == 4 and all(t >= 120 for t in sent_at[1:])


async def test_429_ban_longer_than_the_limit_raises(vt: VirtualTime) -> None:
    c = make_client(vt, lambda r: httpx.Response(429, headers={"Retry-After": "86400"}))
    with pytest.raises(RateLimitedError) as info:
        await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    assert info.value.retry_after_s == 86400


async def test_concurrent_calls_never_exceed_the_rate(vt: VirtualTime) -> None:
    sent_at: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent_at.append(vt.now)
        return httpx.Response(200, content=NO_DATA)

    c = make_client(vt, handler, requests_per_minute=10)
    day = (utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    await asyncio.gather(*(c.fetch(DataType.ACTUAL, "CZ", *day) for _ in range(35)))
    assert len(sent_at) == 35
    for t in sent_at:
        assert sum(1 for u in sent_at if t <= u < t + 60) <= 10
    assert max(sent_at) >= 180  # 35 requests at 10/min need three full minutes of waiting


# -- bodies and redaction --------------------------------------------------------------------


async def test_zip_body_gives_every_document_inside(vt: VirtualTime) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        start, end = window_of(request)
        mid = start + (end - start) / 2
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for i, (a, b) in enumerate([(start, mid), (mid, end)]):
                doc = Doc([TS([P(a, b, "PT60M", [(1, "5")])])], mrid=f"z{i}")
                archive.writestr(f"00{i}-doc.xml", doc.xml())
        return httpx.Response(200, content=buffer.getvalue(),
                              headers={"Content-Type": "application/zip"})  # fmt: skip

    c = make_client(vt, handler)
    result = await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T04:00"))
    assert [d.mrid for d in result.documents] == ["z0", "z1"]


async def test_gzip_bodies_are_accepted(vt: VirtualTime) -> None:
    def encoded(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=gzip.compress(document_for(request)),
                              headers={"Content-Encoding": "gzip"})  # fmt: skip

    def raw(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=gzip.compress(document_for(request)))

    for handler in (encoded, raw):
        c = make_client(vt, handler)
        result = await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"),
                               utc("2024-01-01T03:00"))  # fmt: skip
        assert len(result.documents) == 1 and len(result.documents[0].time_series) == 1


async def test_a_decompression_bomb_stops_at_the_limit_and_names_the_request(
    vt: VirtualTime,
) -> None:
    """A small gzip (as Content-Encoding or as the body) or ZIP that inflates past
    max_reply_bytes is refused while inflating, not retried, and names the redacted request."""
    limit = 1 << 20
    bomb = gzip.compress(b" " * (20 * limit))  # ~20 KB that inflates to 20 MB
    assert len(bomb) < limit
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", b" " * (2 * limit))

    handlers: list[Handler] = [
        lambda _: httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"}),
        lambda _: httpx.Response(200, content=bomb),
        lambda _: httpx.Response(200, content=zipped.getvalue()),
    ]
    for handler in handlers:
        calls = 0

        def counted(request: httpx.Request, handler: Handler = handler) -> httpx.Response:
            nonlocal calls
            calls += 1
            return handler(request)

        c = make_client(vt, counted, max_reply_bytes=limit)
        with pytest.raises(ReplyTooLargeError) as caught:
            await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
        assert calls == 1
        assert f"larger than {limit} bytes" in str(caught.value)
        assert "documentType=A65" in str(caught.value) and TOKEN not in str(caught.value)


def test_unpack_caps_every_kind_of_body_and_keeps_multi_member_gzip() -> None:
    doc = b"<xml/>" * 100
    assert unpack(gzip.compress(doc) + gzip.compress(doc), max_bytes=2 * len(doc)) == [doc + doc]
    with pytest.raises(ReplyTooLargeError):
        unpack(gzip.compress(doc) + gzip.compress(doc), max_bytes=2 * len(doc) - 1)
    with pytest.raises(ReplyTooLargeError):
        unpack(doc, max_bytes=len(doc) - 1)
    members = io.BytesIO()
    with zipfile.ZipFile(members, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("1.xml", doc)
        archive.writestr("2.xml", doc)
    assert unpack(members.getvalue(), max_bytes=2 * len(doc)) == [doc, doc]
    with pytest.raises(ReplyTooLargeError):  # the limit is for all members together
        unpack(members.getvalue(), max_bytes=2 * len(doc) - 1)
    with pytest.raises(MalformedXmlError):
        unpack(gzip.compress(doc)[:-12], max_bytes=10 * len(doc))  # truncated


async def test_unknown_document_kind_names_the_request(vt: VirtualTime) -> None:
    body = Doc(root="Publication_MarketDocument").xml()
    c = make_client(vt, lambda r: httpx.Response(200, content=body))
    with pytest.raises(ProcessorError, match="Publication_MarketDocument") as info:
        await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    assert "outBiddingZone_Domain=10YCZ-CEPS-----N" in str(info.value)
    assert TOKEN not in str(info.value)


async def test_token_never_appears_in_logs(
    vt: VirtualTime, logs: list[MutableMapping[str, Any]]
) -> None:
    handler, _ = flaky([
        lambda r: httpx.Response(500), raise_(httpx.ConnectError(f"failed for {r_url(TOKEN)}")),
        lambda r: httpx.Response(429, headers={"Retry-After": "1"}),
    ])  # fmt: skip
    c = make_client(vt, handler)
    await c.fetch(DataType.ACTUAL, "CZ", utc("2024-01-01T00:00"), utc("2024-01-01T03:00"))
    events = [e["event"] for e in logs]
    assert {"entsoe.request", "entsoe.retry", "entsoe.rate_limited"} <= set(events)
    assert TOKEN not in repr(logs)
    requests = [e for e in logs if e["event"] == "entsoe.request"]
    assert all("securityToken=%2A%2A%2A%2A" in str(e["url"]) for e in requests)
    assert requests[-1]["status"] == 200


def r_url(token: str) -> str:
    return f"{BASE}?securityToken={token}"


async def test_unknown_area_fails_before_any_request(vt: VirtualTime) -> None:
    handler, calls = flaky([])
    with pytest.raises(ValueError, match="unknown ENTSO-E area"):
        await make_client(vt, handler).fetch(
            DataType.ACTUAL, "XX_NOWHERE", utc("2024-01-01T00:00"), utc("2024-01-01T03:00")
        )
    assert calls[0] == 0
