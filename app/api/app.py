"""The FastAPI application factory and its lifespan (resources open at start, close at stop)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from dependency_injector import providers
from fastapi import Depends, FastAPI
from pydantic import SecretStr

import app as app_package
from app.api import accuracy, areas, collect, coverage, deps, energy_data, health
from app.api.query_params import single_values
from app.api.responses import OrjsonResponse
from app.config import Settings
from app.container import Container
from app.db.database import Database
from app.db.migrations import timescale_enabled, upgrade_to_head
from app.exceptions import database_unavailable, register_exception_handlers
from app.sandbox import SandboxServer, start_sandbox
from app.scheduler import CollectionScheduler

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings | None = None, container: Container | None = None, *, sandbox: bool = False
) -> FastAPI:
    """Build the app. ``settings`` or a prepared ``container`` replace the defaults (tests).

    ``sandbox`` starts the offline ENTSO-E sandbox on a free loopback port in the lifespan and
    points the collector at it; its rows are stored with data_source ``entsoe-sandbox``.
    """
    container = container or Container()
    if settings is not None:
        container.settings.override(providers.Object(settings))
    container.wire(modules=[deps, health, collect, energy_data, areas, accuracy])

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        cfg: Settings = container.settings()
        sandbox_server = _start_sandbox(cfg) if sandbox else None
        scheduler: CollectionScheduler | None = None
        try:
            try:
                await _resolve(container.init_resources())
                database: Database = await _resolve(container.database())
                if cfg.database.migrate_on_startup:
                    await upgrade_to_head(container.database_url())
                mode = "timescaledb" if await timescale_enabled(database.engine) else "postgresql"
            except Exception as exc:
                reason = database_unavailable(exc)
                if reason is None:
                    raise
                # One line for the operator; the CLI reads it back (and hides the traceback).
                app_.state.startup_error = f"cannot use the database: {reason}"
                log.error("app.startup_failed", reason=app_.state.startup_error)
                raise
            log.info("database.mode", mode=mode, embedded=cfg.database.embedded)
            if cfg.collection.scheduler_enabled and cfg.entsoe.api_token is None:
                # Every job would fail on every tick; say it once instead.
                log.warning(
                    "scheduler.not_started",
                    reason="no ENTSOE__API_TOKEN (set one, or run `serve --sandbox`)",
                )
            elif cfg.collection.scheduler_enabled:
                scheduler = await _resolve(container.scheduler())
                scheduler.start()
            yield
        finally:
            if scheduler is not None:
                await scheduler.shutdown()
            await _resolve(container.shutdown_resources())
            if sandbox_server is not None:
                sandbox_server.stop()
            log.info("app.stopped")

    app = FastAPI(
        title="Energy Data Service",
        version=app_package.__version__,
        summary="ENTSO-E total load data, complete, revision-aware and fast to query.",
        lifespan=lifespan,
        default_response_class=OrjsonResponse,
        dependencies=[Depends(single_values)],  # a repeated ?area=... is a 422
    )
    app.state.container = container
    register_exception_handlers(app)
    app.include_router(health.router)
    app.include_router(collect.router)
    app.include_router(energy_data.router)
    app.include_router(areas.router)
    app.include_router(coverage.router)
    app.include_router(accuracy.router)
    return app


def _start_sandbox(cfg: Settings) -> SandboxServer:
    """Run the sandbox in-process and aim the (not yet created) ENTSO-E client at it."""
    server = start_sandbox()
    cfg.entsoe.base_url = server.base_url
    cfg.entsoe.api_token = SecretStr("sandbox")
    cfg.collection.data_source = "entsoe-sandbox"
    return server


async def _resolve(value: Any) -> Any:
    """A provider's value: async resources (and what depends on them) come back awaitable."""
    return await value if inspect.isawaitable(value) else value
