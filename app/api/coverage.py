"""GET /api/v1/coverage: first, last, count, completeness and gaps of an area's stored items.

The same gap finder the healing job uses (:func:`app.services.coverage.coverage`): every
series (business type and production type) on its own grid over [start, end), by default from
the item's first stored point to where its newest point ends; ``start``/``end`` ask "is it
complete since/until then". Each item lists its series with their own counts.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api import params as qp
from app.api.deps import SessionDep
from app.api.energy.render import json_response, stamp
from app.api.schemas import ERRORS, CoverageOut
from app.entsoe.items import DataType
from app.services.coverage import Coverage, coverage

router = APIRouter(prefix="/api/v1", tags=["coverage"])


def _item(c: Coverage, max_gaps: int, tz: Any) -> dict[str, Any]:
    return {
        "data_type": c.data_type,
        "start": stamp(c.start, tz),
        "end": stamp(c.end, tz),
        "first": stamp(c.first, tz),
        "last": stamp(c.last, tz),
        "count": c.count,
        "expected": c.expected,
        "completeness": c.completeness,
        "resolutions": list(c.resolutions),
        "business_types": list(c.business_types),
        "psr_types": [p for p in c.psr_types if p],
        "series": [
            {
                "business_type": s.business_type,
                "psr_type": s.psr_type,
                "first": stamp(s.first, tz),
                "last": stamp(s.last, tz),
                "count": s.count,
                "expected": s.expected,
                "gap_count": s.gaps,
            }
            for s in c.series
        ],
        "gap_count": len(c.gaps),
        "gaps": [
            {
                "start": stamp(g.start, tz),
                "end": stamp(g.end, tz),
                "business_types": list(g.business_types),
                "psr_types": [p for p in g.psr_types if p],
                "missing": g.missing,
            }
            for g in c.gaps[:max_gaps]
        ],
        "gaps_truncated": len(c.gaps) > max_gaps,
    }


@router.get(
    "/coverage",
    summary="What is stored for an area and where it has holes (per business and production type)",
    response_model=CoverageOut,
    responses=ERRORS,
)
async def coverage_report(
    session: SessionDep,
    area: Annotated[str, Query(max_length=64, description="short code or EIC code")],
    data_type: Annotated[
        list[str] | None,
        Query(max_length=20, description="repeatable/comma separated; default: every stored item"),
    ] = None,
    max_gaps: Annotated[int, Query(ge=0, le=100_000, description="gaps listed per item")] = 1000,
    tz: Annotated[str | None, Query(max_length=64, description="IANA zone for timestamps")] = None,
    start: Annotated[
        qp.IsoDatetime | None,
        Query(description="inclusive, ISO 8601 with offset; default: the first stored point"),
    ] = None,
    end: Annotated[
        qp.IsoDatetime | None,
        Query(description="exclusive, ISO 8601 with offset; default: after the newest point"),
    ] = None,
) -> Response:
    zone = qp.zone(tz)
    found = qp.area(area)
    lo, hi = qp.optional_range(start, end)
    explicit = bool(qp.split(data_type))
    types = qp.data_types(data_type) if explicit else tuple(d.value for d in DataType)
    reports = [await coverage(session, found.code, t, start=lo, end=hi) for t in types]
    items = [_item(c, max_gaps, zone) for c in reports if explicit or c.count]
    body = {
        "area": {"code": found.code, "eic": found.eic, "name": found.name, "tz": found.tz},
        "tz": zone.key if zone else "UTC",
        "items": items,
    }
    return json_response(body)
