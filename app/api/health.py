"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import DatabaseDep, SettingsDep
from app.db.migrations import migration_state

router = APIRouter(tags=["health"])

# Probes given up on, kept referenced until they finish unwinding.
_unwinding: set[asyncio.Future[tuple[str | None, str]]] = set()


@router.get("/health", summary="Liveness: the process answers (no database call)")
@router.head("/health", include_in_schema=False)  # monitors that probe with HEAD
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: the database answers and its schema is at the newest migration",
    responses={503: {"description": "not ready; `reason` says why"}},
)
async def ready(database: DatabaseDep, settings: SettingsDep) -> JSONResponse:
    body: dict[str, Any]
    # A hung server (stopped, partitioned) must not hang the probe: answer within the limit and
    # leave the cancelled check to unwind on its own (closing a silent connection can take long).
    probe = asyncio.ensure_future(migration_state(database.engine))
    done, _ = await asyncio.wait({probe}, timeout=settings.api.ready_timeout)
    if not done:
        probe.cancel()
        _unwinding.add(probe)
        probe.add_done_callback(_unwinding.discard)
        body = {"status": "unavailable", "reason": "database did not answer in time"}
        return JSONResponse(body, status_code=503)
    try:
        current, head = probe.result()
    except Exception as exc:  # any failure to reach the database means "not ready"
        body = {"status": "unavailable", "reason": f"database unreachable: {type(exc).__name__}"}
        return JSONResponse(body, status_code=503)
    if current != head:
        body = {"status": "unavailable", "reason": f"schema at {current}, expected {head}"}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "schema": current})
