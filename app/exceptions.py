"""The service's errors and the one place that maps them to HTTP responses.

The ENTSO-E client's own errors live in :mod:`app.entsoe.errors` (that package imports nothing
from the rest of the app); every other error class is declared here.

Every error answer is JSON ``{"detail": <one sentence>, "field": <name or null>}`` (plus
``suggestions`` for unknown areas). A database that cannot be reached is a 503, not a 500.
Nothing unexpected leaks a traceback: it is logged and answered as a plain 500.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
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


# Errors that never reach an HTTP client as such: the command line's, and those a caller
# inside the service catches and turns into an answer or a job status.


class UsageError(Exception):
    """Bad input from the command line or the environment: one line on stderr, exit code 2."""


class WorkFailed(Exception):
    """A command's work could not be done: one line on stderr, exit code 1."""


class TooManyPointsError(Exception):
    """A read found more rows in its range than the caller's limit (the caller answers it)."""


class CollectionIncompleteError(Exception):
    """A scheduler job's collections did not all succeed (details are in collection_runs)."""


# Errors that mean "the database cannot be used right now", wherever in the chain they sit:
# connection refused/reset/timed out, server shutting down or starting up, lost connection,
# bad database name or role (a configuration the operator must fix, still not the client's).
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # includes ConnectionError, socket.gaierror and TimeoutError
    PoolTimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
)


def database_unavailable(exc: BaseException) -> str | None:
    """One line saying why the database cannot be used, or None if ``exc`` is something else.

    Follows ``__cause__``/``__context__`` (SQLAlchemy wraps the driver's error) and names the
    innermost error that says so, e.g. ``ConnectionRefusedError: [Errno 111] ...``.
    """
    found: BaseException | None = None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNAVAILABLE) or (
            isinstance(current, DBAPIError) and current.connection_invalidated
        ):
            found = current
        context = None if current.__suppress_context__ else current.__context__
        current = current.__cause__ or context
    if found is None:
        return None
    text = str(found).strip().splitlines()
    return f"{type(found).__name__}: {text[0]}" if text else type(found).__name__


# FastAPI's 400 for a body it could not decode (not a JSONDecodeError, e.g. RecursionError).
_BODY_PARSE_ERROR = "There was an error parsing the body"


def _body(detail: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "field": field, **extra}


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("query", "start") -> "start"; ("body", "areas", 0) -> "areas[0]"
    parts = [p for p in loc if p not in ("query", "body", "path", "header")]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or ("body" if loc[:1] == ("body",) else "request")


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
        first: dict[str, Any] = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        loc = tuple(first.get("loc", ()))
        field = _field_name(loc)
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if first.get("type") == "json_invalid":  # loc is ("body", <character offset>)
            field = "body"
            where = f" at character {loc[1]}" if len(loc) > 1 else ""
            message = f"not valid JSON ({(first.get('ctx') or {}).get('error')}{where})"
        elif loc == ("body",):  # no body, or one FastAPI did not read as JSON
            message = "expected a JSON object, sent with Content-Type: application/json"
        return JSONResponse(_body(f"{field}: {message}", field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.detail == _BODY_PARSE_ERROR:  # e.g. JSON nested too deeply to decode
            return JSONResponse(_body("body: could not be decoded as JSON", "body"), 400)
        return JSONResponse(_body(str(exc.detail)), exc.status_code, headers=exc.headers)

    async def _backend_error(request: Request, exc: Exception) -> JSONResponse:
        reason = database_unavailable(exc)
        if reason is None:
            log.error(
                "api.unhandled_error", path=request.url.path, error=type(exc).__name__, exc_info=exc
            )
            return JSONResponse(_body("internal error"), status_code=500)
        # The reason (hosts, ports) is for the operator's log, not for the client.
        log.warning("api.database_unavailable", path=request.url.path, reason=reason)
        return JSONResponse(
            _body("the database is unavailable; try again shortly"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    # Registered per class (not under Exception) so that Starlette answers without re-raising:
    # a database outage is expected operation and must not print a traceback per request.
    for cls in (OSError, SQLAlchemyError, asyncpg.PostgresError):
        app.add_exception_handler(cls, _backend_error)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("api.unhandled_error", path=request.url.path, error=type(exc).__name__)
        return JSONResponse(_body("internal error"), status_code=500)
