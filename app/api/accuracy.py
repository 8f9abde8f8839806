"""GET /api/v1/forecast-accuracy: day-ahead forecast against actual load, computed in SQL."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError

from app.api import params as qp
from app.api.deps import SessionDep
from app.api.energy.render import json_response, stamp
from app.api.schemas import ERRORS, ForecastAccuracyOut
from app.exceptions import InvalidInputError, database_unavailable
from app.repositories.accuracy import ForecastAccuracy
from app.repositories.readings_rows import Bucketing

router = APIRouter(prefix="/api/v1", tags=["forecast accuracy"])


class AccuracyResolution(StrEnum):
    P1D = "P1D"
    P7D = "P7D"


def _figures(row: tuple[Any, ...], tz: Any) -> dict[str, Any]:
    bucket, points, mae, rmse, mape, bias, mape_points, resolutions = row
    return {
        "start": stamp(bucket, tz),
        "points": points,
        "mae": mae,
        "rmse": rmse,
        "mape": mape,
        "mape_points": mape_points,
        "bias": bias,
        "compared_resolutions": list(resolutions),
    }


@router.get(
    "/forecast-accuracy",
    summary="MAE, RMSE, MAPE and bias of the day-ahead forecast on timestamps both have",
    response_model=ForecastAccuracyOut,
    responses=ERRORS,
)
async def forecast_accuracy(
    session: SessionDep,
    area: Annotated[str, Query(max_length=64, description="short code or EIC code")],
    start: Annotated[qp.IsoDatetime, Query(description="inclusive; ISO 8601 with offset")],
    end: Annotated[qp.IsoDatetime, Query(description="exclusive; ISO 8601 with offset")],
    resolution: Annotated[
        AccuracyResolution | None, Query(description="also per local day or ISO week")
    ] = None,
    tz: Annotated[str | None, Query(max_length=64, description="IANA zone (default UTC)")] = None,
) -> Response:
    """Errors are forecast - actual in the data's unit (MW); MAPE in percent of |actual|,
    skipping zero actuals. Each forecast point is compared over its own interval with the
    time-weighted mean of the actual (e.g. an hourly forecast with four quarter-hours), only when
    actual points cover that interval completely inside [start, end); ``compared_resolutions``
    says which forecast resolutions were compared. Buckets are local days/weeks of ``tz`` (else
    the area's zone), by the forecast interval's start."""
    zone = qp.zone(tz)
    found = qp.area(area)
    start, end = qp.utc_range(start, end)
    bucketing = None
    if resolution is not None:
        bucket_tz = "UTC" if tz is not None and zone is None else (zone.key if zone else found.tz)
        bucketing = Bucketing(resolution.value, "mean", bucket_tz)
    try:
        rows = await ForecastAccuracy(session).compare(found.code, start, end, bucketing)
    except DBAPIError as exc:
        if bucketing is None or tz is None or database_unavailable(exc):
            raise
        raise InvalidInputError(
            f"the database does not know time zone {tz!r}", field="tz"
        ) from None
    body = {
        "area": {"code": found.code, "eic": found.eic, "name": found.name, "tz": found.tz},
        "start": stamp(start, zone),
        "end": stamp(end, zone),
        "tz": zone.key if zone else "UTC",
        "resolution": resolution.value if resolution else None,
        "overall": _figures(rows[0], zone),
        "buckets": [_figures(row, zone) for row in rows[1:]],
    }
    return json_response(body)
