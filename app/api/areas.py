"""GET /api/v1/areas: the area registry and what is stored for each area (one grouped query)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.api.energy_render import json_response, stamp
from app.api.read_models import ERRORS, AreasOut
from app.container import Container
from app.entsoe.areas import AREAS
from app.repositories.energy_data import Coverage, EnergyDataRepository

router = APIRouter(prefix="/api/v1", tags=["areas"])


@router.get(
    "/areas",
    summary="Every known area (code, EIC, name, time zone) with the data types stored for it",
    response_model=AreasOut,
    responses=ERRORS,
)
@inject
async def areas(
    session: SessionDep,
    stored_only: Annotated[bool, Query(description="only areas with stored data")] = False,
    repository: Callable[..., EnergyDataRepository] = Depends(
        Provide[Container.energy_data_repository.provider]
    ),
) -> Response:
    stored: dict[str, list[Coverage]] = {}
    for item in await repository(session).coverage_all():
        stored.setdefault(item.area_code, []).append(item)
    body = [
        {
            "code": area.code,
            "eic": area.eic,
            "name": area.name,
            "tz": area.tz,
            "stored": [
                {
                    "data_type": c.data_type,
                    "first": stamp(c.first, None),
                    "last": stamp(c.last, None),
                    "count": c.count,
                }
                for c in stored.get(area.code, [])
            ],
        }
        for area in AREAS
        if not stored_only or area.code in stored
    ]
    return json_response({"areas": body})
