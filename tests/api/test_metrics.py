"""GET /metrics through the real app (its container, middleware and lifespan), after API requests,
a sandbox collection and a scheduler tick, read back with Prometheus' own text parser.

Rows are compared with the database at scrape time, so the tests hold whether or not the
package's data set is loaded; they configure and collect areas the data set does not hold (PT,
ES) and remove those again afterwards.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from app.api import metrics as metrics_api
from app.config import Settings
from app.db.database import Database
from app.jobs.scheduler import DEFAULT_JOBS
from app.main import create_app
from app.repositories.stored import StoredSpan
from app.sandbox import SandboxConfig, SandboxServer
from tests.api.support import running
from tests.db.support import FreezableProxy
from tests.services.support import sandbox_config

pytestmark = pytest.mark.db

KEY = "metrics-test-key"
AREAS = ("PT", "ES")  # configured; not in the package's data set
Labels = tuple[tuple[str, str], ...]


@dataclass
class Scrape:
    """One /metrics answer: sample (name, sorted labels) -> value, and the metric types."""

    samples: dict[tuple[str, Labels], float]
    types: dict[str, str]

    def get(self, name: str, **labels: str) -> float | None:
        return self.samples.get((name, tuple(sorted(labels.items()))))

    def labelled(self, name: str) -> list[dict[str, str]]:
        return [dict(labels) for sample, labels in self.samples if sample == name]


async def scrape(client: httpx.AsyncClient) -> Scrape:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[tuple[str, Labels], float] = {}
    types: dict[str, str] = {}
    for family in text_string_to_metric_families(response.text):
        types[family.name] = family.type
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return Scrape(samples, types)


async def rows(database: Database, area: str, data_type: str) -> tuple[int, datetime | None]:
    query = text(
        'SELECT count(*), max("timestamp") FROM energy_data_points'
        " WHERE area_code = :a AND data_type = :t"
    )
    async with database.session() as session:
        count, newest = (await session.execute(query, {"a": area, "t": data_type})).one()
    return count, newest


async def remove_collected(database: Database) -> None:
    async with database.session() as session:
        for statement in (
            f"DELETE FROM energy_data_points WHERE area_code IN {AREAS}",
            "DELETE FROM energy_series s WHERE NOT EXISTS"
            " (SELECT 1 FROM energy_data_points p WHERE p.series_id = s.id)",
            f"DELETE FROM collection_runs WHERE area_code IN {AREAS}",
            f"DELETE FROM collection_empty_gaps WHERE area_code IN {AREAS}",
            "DELETE FROM scheduler_job_runs WHERE instance = 'metrics-test'",
        ):
            await session.execute(text(statement))


def settings_for(url: str, sandbox: SandboxServer | None = None, **metrics: object) -> Settings:
    entsoe: dict[str, object] = {"areas": list(AREAS), "data_types": ["actual", "day_ahead"]}
    if sandbox is not None:
        entsoe.update(base_url=sandbox.base_url, api_token="sandbox")
    return Settings(
        database={"url": url, "migrate_on_startup": False},  # type: ignore[arg-type]
        entsoe=entsoe,  # type: ignore[arg-type]
        api={"keys": [KEY]},  # type: ignore[arg-type]
        collection={"scheduler_enabled": False, "inline_max_windows": 50},  # type: ignore[arg-type]
        metrics={"store_cache": 0, **metrics},  # type: ignore[arg-type]
    )


@pytest.fixture
async def app(
    database: Database,
    database_url: str,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, SandboxServer]]:
    sandbox = start_sandbox(sandbox_config(now=None))  # real clock: the scheduler asks for now
    await remove_collected(database)
    application = create_app(settings_for(database_url, sandbox))
    try:
        async with running(application) as client:
            yield application, client, sandbox
    finally:
        await remove_collected(database)


async def test_metrics_count_what_happened(
    app: tuple[FastAPI, httpx.AsyncClient, SandboxServer], database: Database
) -> None:
    application, client, sandbox = app
    before = await scrape(client)
    assert before.get("eds_database_up") == 1
    assert before.get("eds_stored_points", area="PT", data_type="actual", psr_type="") == 0
    assert (
        before.get("eds_newest_point_age_seconds", area="PT", data_type="actual", psr_type="")
        is None
    )
    assert before.types["eds_collection_windows"] == "counter"
    assert before.get("eds_collection_windows_total", data_type="actual", outcome="stored") == 0

    job_id = uuid.uuid4()
    for _ in range(3):
        assert (await client.get("/api/v1/areas")).status_code == 200
    assert (await client.get(f"/api/v1/collect-jobs/{job_id}")).status_code == 404
    assert (await client.get("/no/such/path?x=1")).status_code == 404
    assert (await client.post("/health")).status_code == 405
    assert (await client.get("/static-offline-docs/swagger-ui.css")).status_code == 200
    body = {
        "areas": ["PT"],
        "data_types": ["actual", "day_ahead"],
        "start": "2025-03-01T00:00:00Z",
        "end": "2025-03-11T00:00:00Z",
    }
    collected = await client.post("/api/v1/collect-data", json=body, headers={"X-API-Key": KEY})
    assert collected.status_code == 200, collected.text
    report = {c["data_type"]: c for c in collected.json()["collections"]}

    after = await scrape(client)
    assert after.get("eds_database_up") == 1
    # what is stored: the rows in the database, per configured area and data type
    for area in AREAS:
        for data_type in ("actual", "day_ahead"):
            count, newest = await rows(database, area, data_type)
            assert (
                after.get("eds_stored_points", area=area, data_type=data_type, psr_type="") == count
            )
            age = after.get(
                "eds_newest_point_age_seconds", area=area, data_type=data_type, psr_type=""
            )
            if newest is None:
                assert age is None
            else:
                assert age == pytest.approx(time.time() - newest.timestamp(), abs=30)
    assert after.get("eds_stored_points", area="PT", data_type="actual", psr_type="") > 0  # type: ignore[operator]
    assert {d["area"] for d in after.labelled("eds_stored_points")} == set(AREAS)

    # windows by outcome, as the collection reported them
    for data_type, summary in report.items():
        stored = summary["windows"] - summary["empty_windows"]
        assert stored > 0
        for outcome, expected in (
            ("stored", stored),
            ("empty", summary["empty_windows"]),
            ("failed", summary["failed_windows"]),
        ):
            value = after.get("eds_collection_windows_total", data_type=data_type, outcome=outcome)
            assert value == expected, (data_type, outcome)

    # ENTSO-E requests: every one the sandbox answered, all 200, each timed
    sent = sandbox.counters["requests"]
    assert sent == sum(c["requests"] for c in report.values()) > 0
    assert after.get("eds_entsoe_requests_total", status="200") == sent
    assert after.get("eds_entsoe_request_duration_seconds_count") == sent
    assert after.get("eds_entsoe_retries_total") == 0
    assert after.get("eds_entsoe_rate_limited_total") == 0

    # API requests by route template and status class, never the raw path
    http = "eds_http_request_duration_seconds_count"
    assert after.get(http, method="GET", route="/api/v1/areas", status="2xx") == 3
    assert after.get(http, method="GET", route="/api/v1/collect-jobs/{job_id}", status="4xx") == 1
    assert after.get(http, method="GET", route="unmatched", status="4xx") == 1
    assert after.get(http, method="POST", route="/health", status="4xx") == 1
    assert after.get(http, method="GET", route="/static-offline-docs/{path}", status="2xx") == 1
    assert after.get(http, method="POST", route="/api/v1/collect-data", status="2xx") == 1
    scrapes = after.get(http, method="GET", route="/metrics", status="2xx")
    assert scrapes == 1  # the first scrape; this one is counted when it is done
    routes = {d["route"] for d in after.labelled(http)}
    assert not any(str(job_id) in r or "?" in r or "/no/such" in r for r in routes), routes

    # one scheduler tick that runs, then the same tick again (done already)
    scheduler = await application.state.container.scheduler.async_()
    scheduler.instance = "metrics-test"
    spec = next(j for j in DEFAULT_JOBS if j.name == "collect.actual")
    now = datetime.now(UTC)
    assert await scheduler.run_job(spec, now) == "ran"
    assert await scheduler.run_job(spec, now) == "skipped_done"
    ticked = await scrape(client)
    job = "collect.actual"
    assert ticked.get("eds_scheduler_job_runs_total", job=job, outcome="ran") == 1
    assert ticked.get("eds_scheduler_job_runs_total", job=job, outcome="skipped_done") == 1
    assert ticked.get("eds_scheduler_job_duration_seconds_count", job=job) == 1
    assert ticked.get(http, method="GET", route="/metrics", status="2xx") == 2
    windows = ticked.get("eds_collection_windows_total", data_type="actual", outcome="stored")
    assert windows is not None and windows > after.get(  # type: ignore[operator]
        "eds_collection_windows_total", data_type="actual", outcome="stored"
    )
    for area in AREAS:  # the tick collected both configured areas
        count, _ = await rows(database, area, "actual")
        assert count > 0
        assert ticked.get("eds_stored_points", area=area, data_type="actual", psr_type="") == count


async def test_pool_connections_in_use_are_counted(
    app: tuple[FastAPI, httpx.AsyncClient, SandboxServer],
) -> None:
    application, client, _ = app
    database: Database = await application.state.container.database.async_()
    idle = (await scrape(client)).get("eds_db_pool_connections_in_use")
    async with database.engine.connect() as c1, database.engine.connect() as c2:
        await c1.execute(text("SELECT 1"))
        await c2.execute(text("SELECT 1"))
        held = (await scrape(client)).get("eds_db_pool_connections_in_use")
    assert idle is not None and held == idle + 2


async def test_two_apps_in_one_process_count_separately(
    app: tuple[FastAPI, httpx.AsyncClient, SandboxServer], database_url: str
) -> None:
    _, first, _ = app
    async with running(create_app(settings_for(database_url))) as second:
        for _ in range(2):
            await first.get("/health")
        await second.get("/health")
        http = "eds_http_request_duration_seconds_count"
        assert (await scrape(first)).get(http, method="GET", route="/health", status="2xx") == 2
        assert (await scrape(second)).get(http, method="GET", route="/health", status="2xx") == 1


async def test_a_scrape_answers_when_the_database_hangs(database_url: str) -> None:
    async with asyncio.timeout(60), FreezableProxy(database_url) as proxy:  # fail, never hang
        settings = settings_for(proxy.url, store_timeout=0.5)
        settings.database.connect_timeout = 1
        async with running(create_app(settings)) as client:
            up = await scrape(client)
            assert up.get("eds_database_up") == 1
            assert (
                up.get("eds_stored_points", area="PT", data_type="actual", psr_type="") is not None
            )

            proxy.freeze()
            began = time.monotonic()
            hung = await scrape(client)
            assert time.monotonic() - began < 2.0
            assert hung.get("eds_database_up") == 0
            # no stale store numbers while the database cannot say
            assert hung.labelled("eds_stored_points") == []
            assert hung.labelled("eds_newest_point_age_seconds") == []

            proxy.thaw()
            assert (await scrape(client)).get("eds_database_up") == 1


class CountedSpans:
    """Stands in for the store query: counts the calls, fails while ``error`` is set."""

    def __init__(self) -> None:
        self.calls = 0
        self.error: Exception | None = None

    async def __call__(self, database: Database) -> list[StoredSpan]:
        self.calls += 1
        await asyncio.sleep(0.05)  # long enough for concurrent scrapes to meet
        if self.error is not None:
            raise self.error
        return [StoredSpan("PT", "actual", None, datetime(2024, 1, 1, tzinfo=UTC), 7)]


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> CountedSpans:
    counted = CountedSpans()
    monkeypatch.setattr(metrics_api, "_spans", counted)
    return counted


async def test_the_store_query_is_cached_and_never_run_twice_at_once(
    database_url: str, spans: CountedSpans
) -> None:
    async with running(create_app(settings_for(database_url, store_cache=3600))) as client:
        scrapes = await asyncio.gather(*(scrape(client) for _ in range(5)))
        assert spans.calls == 1
        assert all(
            s.get("eds_stored_points", area="PT", data_type="actual", psr_type="") == 7
            for s in scrapes
        )
        await scrape(client)
        assert spans.calls == 1
    async with running(create_app(settings_for(database_url, store_cache=0))) as client:
        await scrape(client)
        await scrape(client)
        assert spans.calls == 3


async def test_a_scrape_answers_when_the_database_refuses(
    database_url: str, spans: CountedSpans
) -> None:
    async with running(create_app(settings_for(database_url))) as client:
        assert (await scrape(client)).get("eds_database_up") == 1
        spans.error = ConnectionRefusedError(111, "Connection refused")
        down = await scrape(client)
        assert down.get("eds_database_up") == 0
        assert down.labelled("eds_stored_points") == []
        spans.error = None
        assert (await scrape(client)).get("eds_database_up") == 1


async def test_metrics_can_be_switched_off(database_url: str) -> None:
    async with running(create_app(settings_for(database_url, enabled=False))) as client:
        assert (await client.get("/metrics")).status_code == 404


def test_stored_points_and_ages_are_per_production_type() -> None:
    from prometheus_client import generate_latest

    from app.metrics import Metrics

    now = datetime(2025, 6, 1, 12, tzinfo=UTC).timestamp()
    metrics = Metrics(areas=["ES", "PT"], data_types=["generation", "actual"], now=lambda: now)
    newest = datetime(2025, 6, 1, 11, tzinfo=UTC)
    metrics.store_answered(
        [
            ("ES", "generation", "B16", newest, 96),
            ("ES", "generation", "B19", newest.replace(hour=6), 48),
            ("ES", "actual", "", newest, 10),
            ("FR", "generation", "B16", newest, 5),  # not configured: not shown
        ],
        0.0,
    )
    samples: dict[tuple[str, Labels], float] = {}
    for family in text_string_to_metric_families(generate_latest(metrics.registry).decode()):
        for s in family.samples:
            if s.name.startswith(("eds_stored_points", "eds_newest_point_age")):
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    got = Scrape(samples, {})
    assert got.get("eds_stored_points", area="ES", data_type="generation", psr_type="B16") == 96
    assert got.get("eds_stored_points", area="ES", data_type="generation", psr_type="B19") == 48
    age = got.get("eds_newest_point_age_seconds", area="ES", data_type="generation", psr_type="B19")
    assert age == 6 * 3600
    # nothing stored: a zero without a production type, no age
    assert got.get("eds_stored_points", area="PT", data_type="generation", psr_type="") == 0
    assert (
        got.get("eds_newest_point_age_seconds", area="PT", data_type="generation", psr_type="")
        is None
    )
    assert {labels for name, labels in samples if name == "eds_stored_points"} == {
        (("area", "ES"), ("data_type", "generation"), ("psr_type", "B16")),
        (("area", "ES"), ("data_type", "generation"), ("psr_type", "B19")),
        (("area", "ES"), ("data_type", "actual"), ("psr_type", "")),
        (("area", "PT"), ("data_type", "generation"), ("psr_type", "")),
        (("area", "PT"), ("data_type", "actual"), ("psr_type", "")),
    }
