"""GET /health and /ready against real PostgreSQL servers, including one that gets stopped
(then the data endpoints answer 503 too)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from structlog.testing import capture_logs

from app.config import Settings
from app.db.embedded import EmbeddedPostgres
from app.main import create_app
from tests.db.support import FreezableProxy


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def settings_for(url: str, *, migrate: bool) -> Settings:
    return Settings(
        database={"url": url, "migrate_on_startup": migrate},  # type: ignore[arg-type]
        collection={"scheduler_enabled": False},  # type: ignore[arg-type]
    )


async def test_health_needs_no_database() -> None:
    app = create_app(settings_for("postgresql://nobody@127.0.0.1:1/none", migrate=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_migrated(database_url: str) -> None:
    async with running(create_app(settings_for(database_url, migrate=False))) as client:
        response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"


@pytest.mark.db
async def test_ready_is_503_until_migrated_and_when_the_server_stops(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()
    try:
        async with running(create_app(settings_for(url, migrate=False))) as client:
            response = await client.get("/ready")
            assert response.status_code == 503
            assert "schema at None" in response.json()["reason"]

        async with running(create_app(settings_for(url, migrate=True))) as client:
            assert (await client.get("/ready")).status_code == 200
            server.stop()
            response = await client.get("/ready")
            assert response.status_code == 503
            assert response.json()["reason"].startswith("database unreachable")
            assert (await client.get("/health")).status_code == 200
            # every endpoint that needs the database says so: 503 with a message, not a 500
            range_ = "start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z"
            for path in (
                "/api/v1/areas",
                f"/api/v1/energy-data?area=BE&{range_}",
                f"/api/v1/energy-data?area=BE&{range_}&format=csv",
                f"/api/v1/forecast-accuracy?area=BE&{range_}&resolution=P1D&tz=Europe/Paris",
                "/api/v1/coverage?area=BE",
                "/api/v1/collect-jobs/00000000-0000-0000-0000-000000000000",
            ):
                response = await client.get(path)
                assert response.status_code == 503, (path, response.text)
                assert response.json()["detail"] == "the database is unavailable; try again shortly"
                assert response.headers["retry-after"]
    finally:
        server.stop()


async def test_head_health_for_monitors() -> None:
    app = create_app(settings_for("postgresql://nobody@127.0.0.1:1/none", migrate=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.head("/health")).status_code == 200


async def test_scheduler_is_not_started_without_a_token(database_url: str) -> None:
    settings = Settings(
        database={"url": database_url, "migrate_on_startup": False},  # type: ignore[arg-type]
        collection={"scheduler_enabled": True},  # type: ignore[arg-type]
    )
    assert settings.entsoe.api_token is None
    app = create_app(settings)
    with capture_logs() as logs:
        async with running(app) as client:
            assert (await client.get("/ready")).status_code == 200
    events = [e["event"] for e in logs]
    assert "scheduler.not_started" in events
    assert "scheduler.started" not in events


async def test_a_hung_database_is_reported_within_seconds(database_url: str) -> None:
    """Every database call has a deadline: with the server silent (not refusing, just not
    answering), /ready answers 503 within 2 s and a data request 503 within its timeouts."""
    async with asyncio.timeout(60), FreezableProxy(database_url) as proxy:  # fail, never hang
        settings = Settings(
            database={  # type: ignore[arg-type]
                "url": proxy.url,
                "migrate_on_startup": False,
                "statement_timeout": 1,
                "connect_timeout": 1,
            },
            collection={"scheduler_enabled": False},  # type: ignore[arg-type]
        )
        async with running(create_app(settings)) as client:
            assert (await client.get("/ready")).status_code == 200
            proxy.freeze()
            began = time.monotonic()
            ready = await client.get("/ready")
            assert time.monotonic() - began < 2.0
            assert ready.status_code == 503
            assert ready.json()["reason"] == "database did not answer in time"
            began = time.monotonic()
            data = await client.get(
                "/api/v1/energy-data",
                params={"area": "BE", "start": "2024-01-01T00:00Z", "end": "2024-01-02T00:00Z"},
            )
            assert time.monotonic() - began < 15.0
            assert data.status_code == 503, data.text
            proxy.thaw()
