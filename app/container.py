"""The wiring diagram: settings -> database, ENTSO-E client -> services -> scheduler; metrics.

One container per app (``app.state.container``) or CLI command, built from its settings by
``Container(settings=...)``: nothing here is global, so two apps in one process never share a
database or a setting. Resources (the embedded server, the engine, the HTTP client) are created
by ``await container.init_resources()`` in the app's lifespan or a CLI command, never at import;
once they are, every provider that depends on one answers an awaitable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import cast

import httpx
from dependency_injector import containers, providers

import app as app_package
from app.config import Environment, Settings
from app.db.database import Database
from app.db.embedded import database_url
from app.entsoe.client import EntsoeClient
from app.jobs.scheduler import CollectionScheduler
from app.metrics import Metrics
from app.services.collect_jobs import CollectJobRunner
from app.services.collection import DataCollectionService, data_source_for
from app.services.healing import HealingService


def _database_url(settings: Settings) -> Iterator[str]:
    """The configured server's URL, or an embedded server's, started here and stopped on exit."""
    with database_url(settings.database) as url:
        yield url


async def _database(settings: Settings, url: str) -> AsyncIterator[Database]:
    database = Database.from_settings(
        settings.database, url, development=settings.environment is Environment.DEVELOPMENT
    )
    try:
        yield database
    finally:
        await database.dispose()


async def _http_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The process's one HTTP client for ENTSO-E (connection pool, gzip), closed at shutdown."""
    client = httpx.AsyncClient(
        timeout=settings.entsoe.request_timeout,
        headers={"Accept-Encoding": "gzip"},
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
    )
    try:
        yield client
    finally:
        await client.aclose()


def _metrics(settings: Settings) -> Metrics:
    return Metrics(
        areas=settings.entsoe.areas,
        data_types=[d.value for d in settings.entsoe.data_types],
        version=app_package.__version__,
    )


def _entsoe_client(settings: Settings, http: httpx.AsyncClient, metrics: Metrics) -> EntsoeClient:
    cfg = settings.entsoe
    return EntsoeClient(
        http,
        token=cfg.api_token,
        base_url=cfg.base_url,
        timeout=cfg.request_timeout,
        max_retries=cfg.max_retries,
        requests_per_minute=cfg.requests_per_minute,
        max_reply_bytes=cfg.max_reply_bytes,
        observer=metrics.entsoe,
    )


async def _collect_jobs(service: DataCollectionService) -> AsyncIterator[CollectJobRunner]:
    runner = CollectJobRunner(service)
    try:
        yield runner
    finally:
        await runner.shutdown()


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    metrics = providers.Singleton(_metrics, settings)
    database_url = providers.Resource(_database_url, settings)
    database = providers.Resource(_database, settings, database_url)
    http_client = providers.Resource(_http_client, settings)
    entsoe_client = providers.Singleton(_entsoe_client, settings, http_client, metrics)
    collection_service = providers.Singleton(
        DataCollectionService,
        entsoe_client,
        database,
        data_source=providers.Callable(data_source_for, settings),
        lock_wait=settings.provided.collection.lock_wait,
        on_window=metrics.provided.window,
    )
    healing_service = providers.Singleton(
        HealingService,
        collection_service,
        database,
        actual_lookback=settings.provided.collection.actual_lookback,
        generation_lookback=settings.provided.collection.generation_lookback,
        initial_history=settings.provided.collection.initial_history,
        max_gaps=settings.provided.collection.heal_max_gaps,
        empty_gap_retry_after=settings.provided.collection.empty_gap_retry_after,
    )
    scheduler = providers.Singleton(
        CollectionScheduler,
        healing_service,
        database,
        areas=settings.provided.entsoe.areas,
        data_types=settings.provided.entsoe.data_types,
        misfire_grace=settings.provided.collection.misfire_grace,
        max_concurrent_jobs=settings.provided.collection.max_concurrent_jobs,
        on_run=metrics.provided.job_run,
    )
    collect_jobs = providers.Resource(_collect_jobs, collection_service)


async def open_resources(container: Container) -> None:
    """Start every resource in dependency order (the embedded server first)."""
    # The container holds async resources, so dependency-injector answers an awaitable.
    await cast(Awaitable[None], container.init_resources())


async def close_resources(container: Container) -> None:
    """Stop every resource in reverse order (the embedded server last)."""
    stopping = container.shutdown_resources()
    if stopping is not None:  # None when no async resource was started (a start failed early)
        await stopping
