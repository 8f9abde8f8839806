"""GET /api/v1/energy-data (and the seed's /load-data on the same path), /energy-data/latest.

The shared path is :func:`app.api.energy.answer.answer`: native rows as binary COPY into numpy
(json, columnar), aggregation in SQL, CSV rendered by PostgreSQL into a spool, then sent.

The database session of these routes ends when the handler returns, before the answer is sent
(a dependency of scope "function"): a client that reads slowly holds no pooled connection.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api import params as qp
from app.api.deps import SessionDep, SettingsDep
from app.api.energy import render
from app.api.energy.answer import answer
from app.api.energy.reads import Fields
from app.api.limits import HeavyReadDep
from app.api.params import Aggregate, Format, Layout, Resolution
from app.api.schemas import ERRORS, EnergyDataOut, ErrorOut, LatestOut
from app.exceptions import InvalidInputError
from app.repositories.readings import Readings
from app.repositories.stored import StoredPoints

router = APIRouter(prefix="/api/v1", tags=["energy data"])


_BUSY: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorOut,
        "description": "too many large reads at once (see Retry-After), or the database is down",
    }
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": EnergyDataOut,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "json/columnar: metadata + data; csv: rows, metadata in X-* headers",
    },
    **ERRORS,
    **_BUSY,
}

AreaQuery = Annotated[str, Query(max_length=64, description="short code (DE_LU) or EIC code")]
StartQuery = Annotated[qp.IsoDatetime, Query(description="inclusive; ISO 8601 with offset")]
EndQuery = Annotated[qp.IsoDatetime, Query(description="exclusive; ISO 8601 with offset")]
TzQuery = Annotated[
    str | None, Query(max_length=64, description="IANA zone for rendered timestamps (default UTC)")
]


@router.get(
    "/energy-data",
    summary="Load and generation of one area, native or aggregated, long or wide:"
    " json/columnar/csv",
    response_model=None,
    responses=_RESPONSES,
)
async def energy_data(
    session: SessionDep,
    settings: SettingsDep,
    slot: HeavyReadDep,
    area: AreaQuery,
    start: StartQuery,
    end: EndQuery,
    data_type: Annotated[
        list[str] | None,
        Query(description="repeatable and/or comma separated (default actual)", max_length=20),
    ] = None,
    business_type: Annotated[str | None, Query(max_length=8, description="e.g. A60 (min)")] = None,
    psr_type: Annotated[
        list[str] | None,
        Query(
            description="production types, codes (B16) or names (solar; see"
            " /api/v1/production-types), repeatable and/or comma separated (default all)",
            max_length=30,
        ),
    ] = None,
    resolution: Annotated[Resolution | None, Query(description="aggregate to buckets")] = None,
    agg: Annotated[Aggregate | None, Query(description="with resolution (default mean)")] = None,
    tz: TzQuery = None,
    fmt: Annotated[Format, Query(alias="format")] = Format.JSON,
    layout: Annotated[
        Layout, Query(description="long: a row per point and series; wide: a column per series")
    ] = Layout.LONG,
) -> Response:
    """Half-open [start, end). P1D/P7D/P1M buckets follow local days of ``tz`` (else the area's
    zone), so DST days hold 23 or 25 hours. CSV metadata is in X-* headers.

    ``data_type`` also takes ``residual_load``: actual load minus actual wind onshore, wind
    offshore and solar generation, computed (never stored) on the finer grid of its inputs,
    only where every input the area has is present."""
    return await answer(
        Readings(session),
        area=qp.area(area),
        data_types=data_type,
        business_type=business_type,
        start=start,
        end=end,
        resolution=resolution,
        agg=agg,
        tz=tz,
        fmt=fmt,
        limits=settings.api,
        slot=slot,
        psr_type=psr_type,
        layout=layout,
    )


@router.get(
    "/load-data",
    summary="Actual load of one area (the seed's contract; same path as /energy-data json)",
    response_model=None,
    responses={200: {"model": EnergyDataOut}, **ERRORS, **_BUSY},
)
async def load_data(
    session: SessionDep,
    settings: SettingsDep,
    slot: HeavyReadDep,
    area_code: AreaQuery,
    start_time: StartQuery,
    end_time: EndQuery,
    business_type: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    return await answer(
        Readings(session),
        area=qp.area(area_code, field="area_code"),
        data_types=["actual"],
        business_type=business_type,
        start=start_time,
        end=end_time,
        resolution=None,
        agg=None,
        tz=None,
        fmt=Format.JSON,
        limits=settings.api,
        slot=slot,
        fields=Fields("start_time", "end_time"),
    )


@router.get(
    "/energy-data/latest",
    summary="The newest stored point per area (and business type)",
    response_model=LatestOut,
    responses=ERRORS,
)
async def latest(
    session: SessionDep,
    areas: Annotated[
        list[str], Query(description="comma separated and/or repeated", max_length=100)
    ],
    data_type: Annotated[list[str] | None, Query(max_length=20)] = None,
    tz: TzQuery = None,
) -> Response:
    zone = qp.zone(tz)
    codes = [qp.area(code, field="areas").code for code in qp.split(areas)]
    if not codes:
        raise InvalidInputError("name at least one area", field="areas")
    types = qp.data_types(data_type)
    points = await StoredPoints(session).latest(codes, types[0] if len(types) == 1 else None)
    found = {(p.meta.area_code, p.meta.data_type) for p in points}
    body = {
        "tz": zone.key if zone else "UTC",
        "points": [
            {
                "area_code": p.meta.area_code,
                "data_type": p.meta.data_type,
                "business_type": p.meta.business_type,
                "psr_type": p.meta.psr_type,
                "timestamp": render.stamp(p.timestamp, zone),
                "quantity": float(p.quantity),
                "unit": p.meta.unit,
                "resolution": p.meta.resolution,
                "source": p.meta.data_source,
                "revision_number": p.meta.revision_number,
                "issued_at": render.stamp(p.meta.document_created_at, zone),
            }
            for p in points
            if p.meta.data_type in types
        ],
        "missing": [
            {"area_code": c, "data_type": t} for c in codes for t in types if (c, t) not in found
        ],
    }
    return render.json_response(body)
