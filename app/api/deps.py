"""Request dependencies, read from the app's own container (``request.app.state.container``).

Routes take these as ``Annotated`` aliases (``SessionDep``, ``SettingsDep``, ...), so every app
serves its own settings and database even when several live in one process (tests).
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, cast

from fastapi import Depends, Header, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db.database import Database
from app.exceptions import AuthenticationError, PermissionDeniedError
from app.services.collect_jobs import CollectJobRunner
from app.services.collection import DataCollectionService


def _container(request: Request) -> Any:
    # The app's app.container.Container (not imported: the API sits below the wiring diagram).
    return request.app.state.container


def get_settings(request: Request) -> Settings:
    return cast(Settings, _container(request).settings())


async def get_database(request: Request) -> Database:
    # Resources were initialised in the lifespan: the provider answers an awaitable.
    return cast(Database, await _container(request).database.async_())


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(database: DatabaseDep) -> AsyncIterator[AsyncSession]:
    """The request's transaction: committed when the handler returns, rolled back on error."""
    async with database.session() as session:
        yield session


async def get_collection_service(request: Request) -> DataCollectionService:
    return cast(DataCollectionService, await _container(request).collection_service.async_())


async def get_collect_jobs(request: Request) -> CollectJobRunner:
    return cast(CollectJobRunner, await _container(request).collect_jobs.async_())


# scope="function": the transaction ends (and the pooled connection returns) when the handler
# returns, before the answer is sent, so a slow reader never holds a database connection.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
CollectionServiceDep = Annotated[DataCollectionService, Depends(get_collection_service)]
CollectJobsDep = Annotated[CollectJobRunner, Depends(get_collect_jobs)]


async def require_api_key(
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Header(description="API key for write endpoints")] = None,
) -> None:
    """The X-API-Key header, as the OpenAPI document shows it (see :class:`KeyFirstRoute`)."""
    check_api_key(x_api_key, settings)


class KeyFirstRoute(APIRoute):
    """A route that checks X-API-Key before FastAPI reads and parses its body (dependencies run
    only after that): a client without a valid key never makes the service hold its upload."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            check_api_key(request.headers.get("x-api-key"), get_settings(request))
            return await handler(request)

        return checked


def check_api_key(x_api_key: str | None, settings: Settings) -> None:
    """401 without a key, 403 with one that is not configured (compared in constant time)."""
    if not x_api_key:
        raise AuthenticationError("missing X-API-Key header", field="X-API-Key")
    given = x_api_key.encode()
    if not any(
        hmac.compare_digest(given, k.get_secret_value().encode()) for k in settings.api.keys
    ):
        raise PermissionDeniedError("X-API-Key is not valid", field="X-API-Key")
