"""POST /api/v1/collect-data and GET /api/v1/collect-jobs/{id}, against the sandbox and the
test database, through the real app (its container, lifespan and exception handlers)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.cli.serve import sandbox_settings
from app.config import Settings
from app.db.database import Database
from app.entsoe.items import REQUEST_TYPES, DataType
from app.main import create_app
from app.sandbox import SandboxConfig, SandboxServer, start_sandbox
from app.services.locks import COLLECTION_LOCKS, advisory_lock
from tests.services.support import expected, sandbox_config, scalar, stored, utc

pytestmark = pytest.mark.db

KEY = "test-key-123"
HEADERS = {"X-API-Key": KEY}


@pytest.fixture
async def api(
    db: Database,
    async_database_url: str,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> AsyncIterator[tuple[httpx.AsyncClient, SandboxServer]]:
    sandbox = start_sandbox(sandbox_config())
    settings = Settings(
        database={"url": async_database_url, "migrate_on_startup": False},
        entsoe={"base_url": sandbox.base_url, "api_token": "sandbox", "areas": ["PT"]},
        api={"keys": [KEY]},
        collection={"inline_max_windows": 2, "lock_wait": 1, "scheduler_enabled": True},
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        scheduler = await app.state.container.scheduler()
        assert scheduler.scheduler.running  # started by the lifespan when enabled
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, sandbox
    assert not scheduler.scheduler.running


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "areas": ["PT"],
        "data_types": ["actual"],
        "start": "2025-03-01T00:00:00Z",
        "end": "2025-03-03T00:00:00Z",
    }
    body.update(overrides)
    return body


async def test_auth(api: tuple[httpx.AsyncClient, SandboxServer]) -> None:
    client, sandbox = api
    missing = await client.post("/api/v1/collect-data", json=_body())
    wrong = await client.post("/api/v1/collect-data", json=_body(), headers={"X-API-Key": "nope"})
    assert missing.status_code == 401 and missing.json()["field"] == "X-API-Key"
    assert wrong.status_code == 403 and wrong.json()["field"] == "X-API-Key"
    assert sandbox.counters["requests"] == 0


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"areas": ["XX_NOPE"]}, "areas[0]", "unknown ENTSO-E area"),
        ({"areas": ["PT", "FRR"]}, "areas[1]", "did you mean"),
        ({"end": "2025-03-01T00:00:00Z"}, "end", "after start"),
        ({"end": "2025-02-01T00:00:00Z"}, "end", "after start"),
        ({"start": "2025-03-01T00:00:00"}, "start", "timezone"),
        ({"data_types": ["actual", "nowcast"]}, "data_types[1]", ""),
        ({"areas": []}, "areas", ""),
        ({"start": "2023-01-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}, "end", "allowed"),
        ({"start": "soon"}, "start", ""),
        ({"surprise": 1}, "surprise", ""),
        # a number would be read as Unix seconds (2025 -> 1970-01-01T00:33:45Z)
        ({"start": 2025, "end": 2026}, "start", "not a number"),
        ({"end": "1740787200"}, "end", "not a number"),
        # no UTC instant (OverflowError) or beyond the supported years
        ({"start": "0001-01-01T00:00:00+14:00"}, "start", "between 1900"),
        ({"start": "9999-12-31T00:00:00-14:00", "end": "9999-12-31T12:00:00-14:00"}, "start", ""),
        ({"areas": ["A" * 5000]}, "areas[0]", "at most 64"),
    ],
)
async def test_invalid_requests_are_422_naming_the_field(
    api: tuple[httpx.AsyncClient, SandboxServer], overrides: dict[str, Any], field: str, words: str
) -> None:
    client, sandbox = api
    response = await client.post("/api/v1/collect-data", json=_body(**overrides), headers=HEADERS)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert words in response.json()["detail"]
    assert sandbox.counters["requests"] == 0


@pytest.mark.parametrize(
    ("content", "content_type", "words"),
    [
        (b'{"areas": ', "application/json", "not valid JSON"),
        (b"\xff\xfe", "application/json", "not valid JSON"),
        (b"", "application/json", "expected a JSON object"),
        (b"[]", "application/json", "expected a JSON object"),
        (b'{"areas": "PT"}', "text/plain", "Content-Type: application/json"),
        (b"[" * 50_000, "application/json", "could not be decoded"),
    ],
)
async def test_a_body_that_is_not_a_json_object_names_the_body(
    api: tuple[httpx.AsyncClient, SandboxServer], content: bytes, content_type: str, words: str
) -> None:
    client, sandbox = api
    headers = {**HEADERS, "content-type": content_type}
    response = await client.post("/api/v1/collect-data", content=content, headers=headers)
    assert response.status_code in (400, 422), response.text
    assert response.json()["field"] == "body"
    assert words in response.json()["detail"]
    assert sandbox.counters["requests"] == 0


async def test_without_a_key_the_body_is_never_read(
    api: tuple[httpx.AsyncClient, SandboxServer],
) -> None:
    """The key is checked before the upload is read: a keyless 49 MB POST costs nothing."""
    client, _ = api
    pulled = 0

    async def upload() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(49):
            pulled += 1
            yield b" " * (1 << 20)

    for headers in ({}, {"X-API-Key": "wrong"}):
        pulled = 0
        response = await client.post("/api/v1/collect-data", content=upload(), headers=headers)
        assert response.status_code == (401 if not headers else 403), response.text
        assert response.json()["field"] == "X-API-Key"
        assert pulled <= 1


async def test_a_body_over_the_limit_is_413_whether_declared_or_streamed(
    api: tuple[httpx.AsyncClient, SandboxServer],
) -> None:
    client, sandbox = api
    big = b"{" + b" " * (64 * 1024) + b"}"
    declared = await client.post("/api/v1/collect-data", content=big, headers=HEADERS)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    streamed = await client.post("/api/v1/collect-data", content=chunks(), headers=HEADERS)
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert response.json() == {
            "detail": "body: larger than the allowed 65536 bytes",
            "field": "body",
        }
    assert sandbox.counters["requests"] == 0


async def test_future_actuals_are_422_but_forecasts_may_reach_ahead(
    api: tuple[httpx.AsyncClient, SandboxServer],
) -> None:
    client, _ = api
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    future = {
        "start": (now - timedelta(days=1)).isoformat(),
        "end": (now + timedelta(days=2)).isoformat(),
    }
    actual = await client.post("/api/v1/collect-data", json=_body(**future), headers=HEADERS)
    assert actual.status_code == 422 and actual.json()["field"] == "end"
    assert "future" in actual.json()["detail"]
    ahead = await client.post(
        "/api/v1/collect-data", json=_body(data_types=["day_ahead"], **future), headers=HEADERS
    )
    assert ahead.status_code == 200, ahead.text


async def test_generation_items_are_collected_once_per_request(
    api: tuple[httpx.AsyncClient, SandboxServer], db: Database
) -> None:
    client, sandbox = api
    asked = ["generation_consumption", "wind_solar_current", "generation"]
    response = await client.post(
        "/api/v1/collect-data", json=_body(data_types=asked), headers=HEADERS
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # generation_consumption comes in generation's documents: one collection, one request
    assert [c["data_type"] for c in body["collections"]] == ["generation", "wind_solar_current"]
    assert body["windows_planned"] == 2
    assert sandbox.counters["requests"] == body["totals"]["requests"] == 2
    runs = await scalar(db, "SELECT array_agg(data_type ORDER BY id) FROM collection_runs")
    assert runs == ["generation", "wind_solar_current"]

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    future = {"start": now.isoformat(), "end": (now + timedelta(days=1)).isoformat()}
    late = await client.post(
        "/api/v1/collect-data",
        json=_body(data_types=["generation_consumption"], **future),
        headers=HEADERS,
    )
    assert late.status_code == 422 and late.json()["field"] == "end"
    assert "generation_consumption is not published for the future" in late.json()["detail"]


async def test_all_asks_for_every_request_type(
    api: tuple[httpx.AsyncClient, SandboxServer], db: Database
) -> None:
    client, _ = api
    response = await client.post(
        "/api/v1/collect-data", json=_body(data_types="all"), headers=HEADERS
    )
    assert response.status_code == 202, response.text  # more windows than run inline
    job = response.json()
    runs = await scalar(
        db,
        "SELECT array_agg(data_type ORDER BY data_type) FROM collection_runs WHERE job_id = :j",
        j=uuid.UUID(job["job_id"]),
    )
    assert runs == sorted(t.value for t in REQUEST_TYPES)
    assert job["windows_planned"] == len(REQUEST_TYPES)  # two days: one window each
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]
    items = schema["CollectRequest"]["properties"]["data_types"]["items"]
    assert items["enum"] == [*(t.value for t in DataType), "all"]


async def test_small_request_runs_inline(
    api: tuple[httpx.AsyncClient, SandboxServer], db: Database
) -> None:
    client, sandbox = api
    response = await client.post("/api/v1/collect-data", json=_body(areas="PT"), headers=HEADERS)
    assert response.status_code == 200, response.text
    body = response.json()
    want = expected(
        sandbox.config, "PT", DataType.ACTUAL, [(utc("2025-03-01T00:00"), utc("2025-03-03T00:00"))]
    )
    assert body["status"] == "succeeded"
    assert body["totals"]["inserted"] == len(want) == 48
    assert body["collections"][0]["area"] == "PT" and body["collections"][0]["requests"] == 1
    assert await stored(db, "PT", DataType.ACTUAL) == want


async def test_large_request_is_a_job_with_progress(
    api: tuple[httpx.AsyncClient, SandboxServer], db: Database
) -> None:
    client, sandbox = api
    body = _body(
        areas=["PT", "ES"], data_types=["actual", "week_ahead"], start="2025-01-01T00:00:00Z",
        end="2025-03-01T00:00:00Z",
    )  # fmt: skip
    response = await client.post("/api/v1/collect-data", json=body, headers=HEADERS)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["windows_planned"] == 2 * (3 + 1)
    assert response.headers["Location"] == accepted["status_url"]

    report: dict[str, Any] = {}
    for _ in range(200):
        report = (await client.get(accepted["status_url"])).json()
        if report["status"] not in ("pending", "running"):
            break
        await asyncio.sleep(0.05)
    assert report["status"] == "succeeded", report
    assert report["progress"]["collections_done"] == report["progress"]["collections"] == 4
    assert report["progress"]["windows_done"] == report["progress"]["windows_planned"] == 8
    start, end = utc("2025-01-01T00:00"), utc("2025-03-01T00:00")
    total = 0
    for area in ("PT", "ES"):
        for dt in (DataType.ACTUAL, DataType.WEEK_AHEAD):
            want = expected(sandbox.config, area, dt, [(start, end)])
            assert await stored(db, area, dt) == want
            total += len(want)
    assert report["totals"]["inserted"] == total
    assert report["totals"]["requests"] == 8


async def test_pairs_another_collection_holds_are_skipped_listed_and_not_succeeded(
    api: tuple[httpx.AsyncClient, SandboxServer], db: Database
) -> None:
    """Another replica collects PT actual: that pair is skipped after COLLECTION__LOCK_WAIT."""
    client, sandbox = api
    url = "/api/v1/collect-data"
    async with advisory_lock(db.engine, COLLECTION_LOCKS, "PT:actual") as held:
        assert held
        alone = await client.post(url, json=_body(), headers=HEADERS)
        mixed = await client.post(
            url, json=_body(data_types=["actual", "day_ahead"]), headers=HEADERS
        )
        quarter = _body(start="2025-01-01T00:00:00Z", end="2025-04-01T00:00:00Z")
        job = await client.post(url, json=quarter, headers=HEADERS)
        assert job.status_code == 202, job.text
        report = await _finished_job(client, job.json()["status_url"])
    skipped = [{"area": "PT", "data_type": "actual"}]
    assert alone.status_code == mixed.status_code == 200
    assert (alone.json()["status"], alone.json()["skipped"]) == ("skipped", skipped)
    assert alone.json()["totals"]["requests"] == 0
    assert (mixed.json()["status"], mixed.json()["skipped"]) == ("partial", skipped)
    assert [c["status"] for c in mixed.json()["collections"]] == ["skipped", "succeeded"]
    assert (report["status"], report["skipped"]) == ("skipped", skipped)
    assert sandbox.counters["requests"] == 1  # day ahead's one window
    assert await stored(db, "PT", DataType.ACTUAL) == {}


async def _finished_job(client: httpx.AsyncClient, status_url: str) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for _ in range(200):
        report = (await client.get(status_url)).json()
        if report["status"] not in ("pending", "running"):
            break
        await asyncio.sleep(0.05)
    return report


async def test_job_lookup_errors(api: tuple[httpx.AsyncClient, SandboxServer]) -> None:
    client, _ = api
    missing = await client.get(f"/api/v1/collect-jobs/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["field"] == "job_id"
    bad = await client.get("/api/v1/collect-jobs/not-a-uuid")
    assert bad.status_code == 422 and bad.json()["field"] == "job_id"


async def test_serve_with_sandbox_collects_sandbox_rows_without_a_token(
    db: Database, async_database_url: str
) -> None:
    """``serve --sandbox``: no token configured, the in-process sandbox answers, and every row
    stored from it says so."""
    settings = Settings(
        database={"url": async_database_url, "migrate_on_startup": False},
        entsoe={"areas": ["PT"]},
        api={"keys": [KEY]},
        collection={"scheduler_enabled": False},
    )
    assert settings.entsoe.api_token is None
    server = start_sandbox()
    try:
        served = sandbox_settings(settings, server.base_url)
        assert served.entsoe.base_url.startswith("http://127.0.0.1:")
        assert settings.entsoe.api_token is None  # a copy: the given settings are untouched
        await _collect_day(served)
    finally:
        server.stop()
    async with db.session() as session:
        sources = (
            (
                await session.execute(
                    text(
                        "SELECT DISTINCT s.data_source FROM energy_data_points p"
                        " JOIN energy_series s ON s.id = p.series_id WHERE p.area_code = 'PT'"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert sources == ["entsoe-sandbox"]


async def _collect_day(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.post(
                "/api/v1/collect-data",
                json=_body(start="2025-03-01T00:00:00Z", end="2025-03-02T00:00:00Z"),
                headers=HEADERS,
            )
    assert response.status_code == 200, response.text
    assert response.json()["totals"]["inserted"] == 24
