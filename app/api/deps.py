"""Request dependencies: one database session per request, the API-key check."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import Depends, Header
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.container import Container
from app.db.database import Database
from app.exceptions import AuthenticationError, PermissionDeniedError


@inject
async def get_session(
    database: Database = Depends(Provide[Container.database]),
) -> AsyncIterator[AsyncSession]:
    """The request's transaction: committed when the handler returns, rolled back on error."""
    async with database.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@inject
async def require_api_key(
    x_api_key: Annotated[str | None, Header(description="API key for write endpoints")] = None,
    settings: Settings = Depends(Provide[Container.settings]),
) -> None:
    """401 without a key, 403 with one that is not configured (compared in constant time)."""
    if not x_api_key:
        raise AuthenticationError("missing X-API-Key header", field="X-API-Key")
    given = x_api_key.encode()
    if not any(
        hmac.compare_digest(given, k.get_secret_value().encode()) for k in settings.api.keys
    ):
        raise PermissionDeniedError("X-API-Key is not valid", field="X-API-Key")
