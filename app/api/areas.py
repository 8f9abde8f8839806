"""GET /api/v1/areas: the area registry and what is stored for each area and data type, with its
production types (one grouped query)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api.deps import SessionDep
from app.api.energy.render import json_response, stamp
from app.api.schemas import ERRORS, AreasOut
from app.entsoe.areas import AREAS
from app.repositories.stored import StoredPoints, StoredSpan

StoredItem = dict[str, Any]


def _items(spans: list[StoredSpan]) -> dict[str, list[StoredItem]]:
    """Per area, one entry per data type: its production types' spans together."""
    merged: dict[tuple[str, str], list[StoredSpan]] = {}
    for span in spans:  # ordered by area, data type, production type
        merged.setdefault((span.area_code, span.data_type), []).append(span)
    out: dict[str, list[StoredItem]] = {}
    for (area, data_type), parts in merged.items():
        firsts = [p.first for p in parts if p.first is not None]
        lasts = [p.last for p in parts if p.last is not None]
        out.setdefault(area, []).append(
            {
                "data_type": data_type,
                "first": stamp(min(firsts, default=None), None),
                "last": stamp(max(lasts, default=None), None),
                "count": sum(p.count for p in parts),
                "psr_types": [p.psr_type for p in parts if p.psr_type],
            }
        )
    return out


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
    stored = _items(await StoredPoints(session).spans())
    body = [
        {
            "code": area.code,
            "eic": area.eic,
            "name": area.name,
            "tz": area.tz,
            "stored": stored.get(area.code, []),
        }
        for area in AREAS
        if not stored_only or area.code in stored
    ]
    return json_response({"areas": body})
