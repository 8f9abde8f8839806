"""GET /api/v1/areas: the area registry and what is stored for each area (one grouped query)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.api.energy.render import json_response, stamp
from app.api.schemas import ERRORS, AreasOut
from app.entsoe.areas import AREAS
from app.repositories.stored import StoredPoints, StoredSpan

router = APIRouter(prefix="/api/v1", tags=["areas"])


@router.get(
    "/areas",
    summary="Every known area (code, EIC, name, time zone) with the data types stored for it",
    response_model=AreasOut,
    responses=ERRORS,
)
async def areas(
    session: SessionDep,
    stored_only: Annotated[bool, Query(description="only areas with stored data")] = False,
) -> Response:
    stored: dict[str, list[StoredSpan]] = {}
    for item in await StoredPoints(session).spans():
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
