"""The FastAPI application factory and its lifespan (resources open at start, close at stop)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

import app as app_package
from app.api import (
    accuracy,
    areas,
    collect,
    coverage,
    docs,
    health,
    metrics,
    production_types,
    status,
)
from app.api.energy import routes as energy
from app.api.head import HeadAsGet
from app.api.limits import BodyLimit, HeavyReads
from app.api.metrics import RequestMetrics
from app.api.responses import OrjsonResponse
from app.api.schemas import install_error_documents
from app.api.strict import country_hint, strict_query
from app.config import Settings
from app.container import Container, close_resources, open_resources
from app.db.database import Database
from app.db.migrations import timescale_enabled, upgrade_to_head
from app.exceptions import UsageError, database_unavailable, register_exception_handlers
from app.jobs.scheduler import CollectionScheduler

log = structlog.get_logger(__name__)


def create_app(settings: Settings) -> FastAPI:
    """Build an app serving ``settings``: its own container, database and scheduler.

    Nothing is opened here; the lifespan opens the resources at start and closes them at stop.
    """
    container = Container(settings=settings)

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        scheduler: CollectionScheduler | None = None
        try:
            try:
                await open_resources(container)
                database: Database = await container.database.async_()
                if settings.database.migrate_on_startup:
                    await upgrade_to_head(container.database_url())
                mode = "timescaledb" if await timescale_enabled(database.engine) else "postgresql"
            except Exception as exc:
                # UsageError: no database configured and the embedded one is not installed.
                reason = str(exc) if isinstance(exc, UsageError) else database_unavailable(exc)
                if reason is None:
                    raise
                # One line for the operator; the CLI reads it back (and hides the traceback).
                app_.state.startup_error = f"cannot use the database: {reason}"
                log.error("app.startup_failed", reason=app_.state.startup_error)
                raise
            log.info("database.mode", mode=mode, embedded=settings.database.embedded)
            if settings.collection.scheduler_enabled and settings.entsoe.api_token is None:
                # Every job would fail on every tick; say it once instead.
                log.warning(
                    "scheduler.not_started",
                    reason="no ENTSOE__API_TOKEN (set one, or run `serve --sandbox`)",
                )
            elif settings.collection.scheduler_enabled:
                scheduler = await container.scheduler.async_()
                scheduler.start()
            yield
        finally:
            if scheduler is not None:
                await scheduler.shutdown()
            await close_resources(container)
            log.info("app.stopped")

    # /docs and /redoc with Swagger UI and ReDoc served by the service itself (no CDN).
    app = FastAPIOffline(
        title="Energy Data Service",
        version=app_package.__version__,
        summary="ENTSO-E total load data, complete, revision-aware and fast to query.",
        lifespan=lifespan,
        default_response_class=OrjsonResponse,
        # Unknown or repeated query parameters and a country for its zone are 422s.
        dependencies=[Depends(strict_query), Depends(country_hint)],
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from swagger.io
    )
    app.state.container = container
    app.state.heavy_reads = HeavyReads(settings.api.max_heavy_reads, settings.api.heavy_read_points)
    app.add_middleware(BodyLimit, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(HeadAsGet)
    routers = [health, collect, energy, production_types, areas, coverage, accuracy, status]
    if settings.metrics.enabled:
        app.add_middleware(RequestMetrics, metrics=container.metrics())  # outermost: times all
        routers.append(metrics)
    register_exception_handlers(app)
    for module in routers:
        app.include_router(module.router)
    app.mount(status.ASSETS_PATH, status.assets(), name="status-assets")
    install_error_documents(app)  # the real error shapes first, then the examples on top
    docs.install(app)
    return app
