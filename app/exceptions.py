"""The service's errors and the one place that maps them to HTTP responses.

Every error answer is JSON ``{"detail": <one sentence>, "field": <name or null>}`` (plus
``suggestions`` for unknown areas). Nothing unexpected leaks a traceback: it is logged and
answered as a plain 500.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.entsoe.errors import UnknownAreaError

log = structlog.get_logger(__name__)


class ServiceError(Exception):
    """Base of the errors the API answers with a 4xx/5xx of its own choosing."""

    status_code = 500

    def __init__(self, message: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


class InvalidInputError(ServiceError):
    status_code = 422


class NotFoundError(ServiceError):
    status_code = 404


class AuthenticationError(ServiceError):
    status_code = 401


class PermissionDeniedError(ServiceError):
    status_code = 403


class UnavailableError(ServiceError):
    status_code = 503


def _body(detail: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "field": field, **extra}


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("query", "start") -> "start"; ("body", "areas", 0) -> "areas[0]"
    parts = [p for p in loc if p not in ("query", "body", "path", "header")]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "request"


def register_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse(_body(exc.message, exc.field, **exc.extra), exc.status_code)

    @app.exception_handler(UnknownAreaError)
    async def _unknown_area(_: Request, exc: UnknownAreaError) -> JSONResponse:
        return JSONResponse(
            _body(str(exc), "area", suggestions=list(exc.suggestions)), status_code=422
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        field = _field_name(tuple(first.get("loc", ())))
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        return JSONResponse(_body(f"{field}: {message}", field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(_body(str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("api.unhandled_error", path=request.url.path, error=type(exc).__name__)
        return JSONResponse(_body("internal error"), status_code=500)
