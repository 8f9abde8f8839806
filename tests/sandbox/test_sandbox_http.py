"""Limits, errors and faults over real loopback HTTP, as a client meets them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from app.entsoe.errors import MalformedXmlError
from app.entsoe.items import DataType
from app.entsoe.parser import Acknowledgement, parse
from app.sandbox import SandboxConfig, SandboxServer, start_sandbox
from tests.sandbox.support import NOW, params, rows, utc

DAY = (utc("2025-09-30T22:00"), utc("2025-10-01T22:00"))  # 1 Oct, CEST


def _reason(response: httpx.Response) -> str:
    ack = parse(response.content)
    assert isinstance(ack, Acknowledgement)
    assert [r.code for r in ack.reasons] == ["999"]
    return ack.reasons[0].text


# One client for the module: creating an httpx.Client costs ~20 ms (its TLS context).
_CLIENT = httpx.Client()


@pytest.fixture(scope="module", autouse=True)
def _close_client() -> Iterator[None]:
    yield
    _CLIENT.close()


def _get(server: SandboxServer, query: dict[str, str]) -> httpx.Response:
    return _CLIENT.get(server.base_url, params=query)


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_missing_or_unknown_token_is_401(sandbox: SandboxServer, token: str | None) -> None:
    before = sandbox.counters["unauthorized"]
    response = _get(sandbox, params("CZ", DataType.ACTUAL, *DAY, token=token))
    assert response.status_code == 401
    assert "text/html" in response.headers["content-type"]
    assert sandbox.counters["unauthorized"] == before + 1


def test_configured_tokens_are_accepted() -> None:
    with SandboxServer(SandboxConfig(now=NOW, tokens=("alpha", "beta"))) as server:
        assert _get(server, params("CZ", DataType.ACTUAL, *DAY, token="beta")).status_code == 200
        assert _get(server, params("CZ", DataType.ACTUAL, *DAY, token="sandbox")).status_code == 401


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        ("documentType", "DocumentType"),
        ("processType", "ProcessType"),
        ("outBiddingZone_Domain", "OutBiddingZone_Domain"),
        ("periodStart", "PeriodStart"),
        ("periodEnd", "PeriodEnd"),
    ],
)
def test_missing_parameter_acknowledgement(sandbox: SandboxServer, drop: str, named: str) -> None:
    query = params("CZ", DataType.ACTUAL, *DAY)
    del query[drop]
    response = _get(sandbox, query)
    assert response.status_code == 400
    assert _reason(response) == f"Mandatory parameter {named} is missing or is empty."
    query[drop] = ""
    assert _reason(_get(sandbox, query)) == f"Mandatory parameter {named} is missing or is empty."


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("202510020000", "202510010000"),  # end before start
        ("202510010000", "202510010000"),  # empty
        ("202510010533", "202510020000"),  # not on a quarter-hour
        ("2025-10-01", "202510020000"),  # not yyyyMMddHHmm
        ("202513010000", "202601010000"),  # no month 13
    ],
)
def test_invalid_interval_acknowledgement(sandbox: SandboxServer, start: str, end: str) -> None:
    query = {**params("CZ", DataType.ACTUAL, *DAY), "periodStart": start, "periodEnd": end}
    response = _get(sandbox, query)
    assert response.status_code == 400
    assert _reason(response) == "Delivered time interval is not valid for this Data item."


def test_no_matching_data_is_an_acknowledgement_with_http_200(sandbox: SandboxServer) -> None:
    for query in (
        {**params("CZ", DataType.ACTUAL, *DAY), "outBiddingZone_Domain": "10YXX-NOWHERE--Z"},
        params("CZ", DataType.ACTUAL, utc("2014-01-01T00:00"), utc("2014-01-10T00:00")),
    ):
        response = _get(sandbox, query)
        assert response.status_code == 200
        # As the platform sends them (2026): shown inline, not offered as a download.
        assert response.headers["content-type"] == "text/xml"
        assert response.headers["content-disposition"] == 'inline; filename="acknowledgement.xml"'
        ack = parse(response.content)
        assert isinstance(ack, Acknowledgement) and ack.is_no_data
        assert query["outBiddingZone_Domain"] in ack.reasons[0].text


def test_a_pair_that_is_no_load_item_is_refused(sandbox: SandboxServer) -> None:
    response = _get(sandbox, {**params("CZ", DataType.ACTUAL, *DAY), "processType": "A99"})
    assert response.status_code == 400
    assert "check you request against dependency tables" in _reason(response)
    assert _get(sandbox, {}).status_code == 401
    assert _CLIENT.get(sandbox.base_url.replace("/api", "/other")).status_code == 404


def test_rate_limit_then_ban_then_free_again() -> None:
    config = SandboxConfig(now=NOW, tokens=("a", "b"), rate_limit_per_minute=3, ban_seconds=0.4)
    with SandboxServer(config) as server:
        client = _CLIENT
        query = params("CZ", DataType.ACTUAL, *DAY, token="a")
        statuses = [client.get(server.base_url, params=query).status_code for _ in range(3)]
        banned = client.get(server.base_url, params=query)
        assert statuses == [200, 200, 200] and banned.status_code == 429
        assert banned.headers["retry-after"] == "1"
        until = banned.text.split("Banned until ")[1].rstrip(".")
        remaining = (datetime.fromisoformat(until) - datetime.now(UTC)).total_seconds()
        assert 0 < remaining <= 0.4
        assert client.get(server.base_url, params=query).status_code == 429  # still banned
        other = params("CZ", DataType.ACTUAL, *DAY, token="b")
        assert client.get(server.base_url, params=other).status_code == 200  # per token
        time.sleep(0.45)
        assert client.get(server.base_url, params=query).status_code == 200
        assert server.counters["rate_limited"] == 2


def test_burst_of_429s() -> None:
    config = SandboxConfig(now=NOW, burst_429=2, burst_429_after=1, burst_retry_after=3)
    with SandboxServer(config) as server:
        client = _CLIENT
        query = params("CZ", DataType.ACTUAL, *DAY)
        responses = [client.get(server.base_url, params=query) for _ in range(5)]
        assert [r.status_code for r in responses] == [200, 429, 429, 200, 200]
        assert responses[1].headers["retry-after"] == "3"
        assert server.counters["fault_429"] == 2 and server.counters["replies_200"] == 3


def test_503_reset_and_truncation_are_injected_and_counted() -> None:
    for share, check in (
        ("fail_503_share", lambda r: r.status_code == 503),
        ("truncate_share", _is_truncated),
    ):
        with SandboxServer(SandboxConfig(now=NOW, **{share: 1.0})) as server:
            assert all(check(_get(server, params("CZ", DataType.ACTUAL, *DAY))) for _ in range(3))
    with SandboxServer(SandboxConfig(now=NOW, reset_share=1.0)) as server:
        for _ in range(3):
            with pytest.raises(httpx.TransportError):
                _get(server, params("CZ", DataType.ACTUAL, *DAY))
        assert server.counters["fault_reset"] == 3 and server.counters["replies_200"] == 0


def _is_truncated(response: httpx.Response) -> bool:
    assert response.status_code == 200
    assert response.content.startswith(b"<?xml") and not response.content.endswith(b">")
    with pytest.raises(MalformedXmlError):
        parse(response.content)
    return True


def test_slow_replies_take_their_time() -> None:
    config = SandboxConfig(now=NOW, slow_share=1.0, slow_seconds=0.25)
    with SandboxServer(config) as server:
        started = time.monotonic()
        response = _get(server, params("CZ", DataType.ACTUAL, *DAY))
        assert time.monotonic() - started >= 0.25 and response.status_code == 200
        assert server.counters["fault_slow"] == 1


def test_mixed_faults_add_up() -> None:
    config = SandboxConfig(
        now=NOW, seed=3, fail_503_share=0.2, reset_share=0.1, truncate_share=0.2, slow_share=0.1
    )
    with SandboxServer(config) as server:
        outcomes = []
        for _ in range(60):
            try:
                response = _get(server, params("CZ", DataType.ACTUAL, *DAY))
                outcomes.append(response.status_code)
            except httpx.TransportError:
                outcomes.append(0)
        c = server.counters
        assert c["requests"] == 60
        assert c["fault_503"] == outcomes.count(503) > 0
        assert c["fault_reset"] == outcomes.count(0) > 0
        assert c["fault_truncated"] > 0 and c["fault_slow"] > 0
        assert c["replies_200"] + c["fault_truncated"] == outcomes.count(200)


async def test_usable_from_async_code() -> None:
    async with SandboxServer(SandboxConfig(now=NOW)) as server, httpx.AsyncClient() as client:
        response = await client.get(server.base_url, params=params("NL", DataType.ACTUAL, *DAY))
        assert response.status_code == 200 and len(rows(response.content)) == 96


def test_start_sandbox_gives_a_loopback_api_url() -> None:
    server = start_sandbox(SandboxConfig(now=NOW))
    url = server.base_url
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api")
        assert _get(server, params("BE", DataType.DAY_AHEAD, *DAY)).status_code == 200
    finally:
        server.stop()
    with pytest.raises(httpx.ConnectError):
        _CLIENT.get(url, params=params("BE", DataType.DAY_AHEAD, *DAY))
