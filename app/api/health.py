"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import DatabaseDep
from app.db.migrations import migration_state

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the process answers (no database call)")
@router.head("/health", include_in_schema=False)  # monitors that probe with HEAD
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: the database answers and its schema is at the newest migration",
    responses={503: {"description": "not ready; `reason` says why"}},
)
async def ready(database: DatabaseDep) -> JSONResponse:
    body: dict[str, Any]
    try:
        current, head = await migration_state(database.engine)
    except Exception as exc:  # any failure to reach the database means "not ready"
        body = {"status": "unavailable", "reason": f"database unreachable: {type(exc).__name__}"}
        return JSONResponse(body, status_code=503)
    if current != head:
        body = {"status": "unavailable", "reason": f"schema at {current}, expected {head}"}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "schema": current})
