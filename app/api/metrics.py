"""GET /metrics in the Prometheus text format, and the middleware that times every API request.

What is stored (points and the newest point's age per configured area and data type) comes from
one grouped query (:meth:`StoredPoints.spans`), reused for ``METRICS__STORE_CACHE`` seconds and
given up after ``METRICS__STORE_TIMEOUT``: scrapes can neither load nor hang on the database, and
a scrape with the database away still answers, with ``eds_database_up 0``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, cast

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from sqlalchemy.pool import QueuePool
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import DatabaseDep, SettingsDep
from app.config import MetricsSettings
from app.db.database import Database
from app.metrics import Metrics
from app.repositories.stored import StoredPoints, StoredSpan

log = structlog.get_logger(__name__)

router = APIRouter(tags=["operations"])

# Store queries given up on, kept referenced until they finish unwinding.
_unwinding: set[asyncio.Future[list[StoredSpan]]] = set()


def app_metrics(request: Request) -> Metrics:
    # The app's container (not imported: the API sits below the wiring diagram).
    return cast(Metrics, request.app.state.container.metrics())


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request, database: DatabaseDep, settings: SettingsDep) -> Response:
    registry = app_metrics(request)
    await refresh_stored(registry, database, settings.metrics)
    pool = database.engine.pool
    registry.pool_in_use.set(pool.checkedout() if isinstance(pool, QueuePool) else 0)
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_PLAIN_0_0_4)


async def refresh_stored(metrics: Metrics, database: Database, cfg: MetricsSettings) -> None:
    """Renew ``metrics.stored`` when it is older than ``cfg.store_cache`` (one query at once)."""

    def fresh() -> bool:
        taken = metrics.stored.taken_at
        return taken is not None and time.monotonic() - taken < cfg.store_cache

    if fresh():
        return
    async with metrics.store_lock:
        if fresh():  # another scrape renewed it while this one waited
            return
        probe = asyncio.ensure_future(_spans(database))
        done, _ = await asyncio.wait({probe}, timeout=cfg.store_timeout)
        if not done:
            # A hung server must not hang the scrape; the cancelled query unwinds on its own.
            probe.cancel()
            _unwinding.add(probe)
            probe.add_done_callback(_unwinding.discard)
            log.warning("metrics.store_query_failed", error="timeout", timeout_s=cfg.store_timeout)
            metrics.store_failed(time.monotonic())
            return
        try:
            spans = probe.result()
        except Exception as exc:  # the database is away: the scrape still answers
            log.warning("metrics.store_query_failed", error=type(exc).__name__)
            metrics.store_failed(time.monotonic())
            return
        rows = [(s.area_code, s.data_type, s.psr_type, s.last, s.count) for s in spans]
        metrics.store_answered(rows, time.monotonic())


async def _spans(database: Database) -> list[StoredSpan]:
    async with database.session() as session:
        return await StoredPoints(session).spans()


class RequestMetrics:
    """ASGI middleware: each HTTP request's duration by method, route template and status class.

    The route is the template the router matched (``/api/v1/collect-jobs/{job_id}``, a mount's
    ``/static-offline-docs/{path}``), or ``unmatched``; a streamed answer is timed to its last
    byte.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        asked = dict(scope)  # as it came in: routing rewrites root_path and path_params
        status = 500  # what the client gets when the app raises before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.http_request(
                scope["method"], route_template(scope, asked), status, seconds
            )


def route_template(scope: Scope, asked: Scope) -> str:
    """The path template of the route that handled ``scope`` (``asked``: the scope before
    routing), or ``unmatched``."""
    route: Any = scope.get("route")  # set by the router for its own routes, not for mounts
    if route is None:
        partial = None
        for candidate in getattr(getattr(scope.get("app"), "router", None), "routes", ()):
            match, _ = candidate.matches(asked)
            if match is Match.FULL:
                route = candidate
                break
            if match is Match.PARTIAL and partial is None:
                partial = candidate  # the path matches, the method does not (405)
        route = route or partial
    return getattr(route, "path_format", None) or "unmatched"
