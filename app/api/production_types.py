"""GET /api/v1/production-types: the production types (psrType) the API accepts as ``psr_type``,
and, for an area, which data types hold each of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api import params as qp
from app.api.deps import SessionDep
from app.api.energy.render import json_response
from app.api.schemas import ERRORS, ProductionTypesOut
from app.entsoe.items import ITEMS
from app.entsoe.psr_types import PSR_TYPES
from app.repositories.readings import Readings

router = APIRouter(prefix="/api/v1", tags=["production types"])


@router.get(
    "/production-types",
    summary="Production types (B01..B25, names such as solar) and, for an area, where stored",
    response_model=ProductionTypesOut,
    responses=ERRORS,
)
async def production_types(
    session: SessionDep,
    area: Annotated[
        str | None,
        Query(max_length=64, description="short code or EIC: list the data types stored per type"),
    ] = None,
) -> Response:
    """Every production type with its code (``psr_type=B16``), name (``psr_type=solar``) and
    ENTSO-E description. With ``area``: per type the data types stored for that area (one
    index probe per data type and production type; without ``area``, ``stored`` is null)."""
    stored: dict[str, list[str]] = {}
    code = None
    if area is not None:
        code = qp.area(area).code
        types = [t.value for t, item in ITEMS.items() if item.per_psr]
        pairs = [(t, p.code) for p in PSR_TYPES for t in types]
        for data_type, psr in await Readings(session).stored_psr_types(code, pairs):
            stored.setdefault(psr, []).append(data_type)
    order = {t.value: i for i, t in enumerate(ITEMS)}
    body = [
        {
            "code": p.code,
            "name": p.name,
            "description": p.description,
            "stored": sorted(stored.get(p.code, []), key=order.__getitem__)
            if code is not None
            else None,
        }
        for p in PSR_TYPES
    ]
    return json_response({"area": code, "production_types": body})
