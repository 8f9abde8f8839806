"""The documented shapes of the read endpoints' answers (OpenAPI only).

The handlers build their JSON directly (orjson over numpy columns) for speed; these models are
what /docs shows and what the schemathesis run in tests/api checks every answer against.
Timestamps are ISO 8601 strings: UTC with ``Z``, or with the offset of the requested ``tz``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    """Every error answer of the service (app.exceptions): one sentence and the field at fault."""

    detail: str = Field(description="one sentence saying what is wrong")
    field: str | None = Field(description="the parameter at fault")
    suggestions: list[str] | None = Field(
        default=None,
        description="what was probably meant: area codes, parameter names or production types",
    )
    parts: int | None = Field(
        default=None, description="points limit: split into this many requests"
    )
    suggested_end: str | None = Field(default=None, description="points limit: an end that fits")


_INVALID = "invalid parameter (named in `field`), unknown or repeated query parameter"
ERRORS: dict[int | str, dict[str, object]] = {422: {"model": ErrorOut, "description": _INVALID}}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
# FastAPI's own validation error shapes, which the service never sends (app.exceptions).
_FASTAPI_ERRORS = ("HTTPValidationError", "ValidationError")


def _content() -> dict[str, Any]:
    return {"application/json": {"schema": dict(_ERROR_REF)}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _content()}


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (an OpenAPI dict, changed in place) with the errors as they are sent.

    Every operation may answer 422 ``ErrorOut`` (an unknown query parameter is refused on every
    route), never FastAPI's HTTPValidationError list; one with a request body also 400 (a body
    that cannot be decoded, e.g. JSON nested too deeply); every other 4xx is ``ErrorOut`` too.
    """
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_ERRORS:
        schemas.pop(name, None)
    schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            documented = responses.get("422", {}).get("content", {}).get("application/json", {})
            if documented.get("schema") != _ERROR_REF:
                responses["422"] = _error(_INVALID)
            if "requestBody" in operation:
                responses.setdefault("400", _error("the body could not be decoded"))
            for status, response in responses.items():
                if status.startswith("4") and "content" not in response:
                    response["content"] = _content()  # 401, 403, 404, 413
    return document


def install_error_documents(app: FastAPI) -> None:
    """Make ``app.openapi()`` answer :func:`document_errors` of FastAPI's document (cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


class AreaOut(BaseModel):
    code: str
    eic: str
    name: str
    tz: str = Field(description="IANA zone whose calendar defines the area's days")


class SeriesOut(BaseModel):
    data_type: str
    psr_type: str = Field(description="production type (B16); empty for series without one")
    business_type: str
    unit: str | None
    resolution: str | None = Field(description="requested bucket size, else the native one")
    native_resolutions: list[str]
    sources: list[str]
    revision_number: int | None = Field(description="newest document revision in the answer")
    issued_at: str | None = Field(description="newest document creation time in the answer")
    first: str | None
    last: str | None
    expected_points: int | None = Field(
        description="native points [start, end) should hold on the stored grid(s), DST-aware"
        " (aggregated answers too); null when nothing is stored to fix the grid"
    )
    present_points: int = Field(description="native points returned (or aggregated)")


class RecordOut(BaseModel):
    timestamp: str = Field(description="start of the interval (or bucket)")
    data_type: str
    business_type: str
    psr_type: str = Field(description="production type (B16); empty for load")
    quantity: float
    resolution: str
    points: int | None = Field(default=None, description="stored points in the bucket (agg only)")
    expected_points: int | None = Field(
        default=None,
        description="agg only: native points the bucket's part of [start, end) should hold",
    )
    partial: bool | None = Field(
        default=None,
        description="agg only: the bucket reaches outside [start, end); only its part inside"
        " is aggregated",
    )


class ColumnsOut(BaseModel):
    timestamp: list[str]
    data_type: list[str]
    business_type: list[str]
    psr_type: list[str]
    quantity: list[float]
    resolution: list[str]
    points: list[int] | None = None
    expected_points: list[int | None] | None = None
    partial: list[bool] | None = None


class WideColumnOut(BaseModel):
    name: str = Field(description="<data_type>[.<psr_type>][.<business_type>]: generation.B16")
    data_type: str
    psr_type: str
    business_type: str = Field(description="empty when asked for and not stored")


# layout=wide: a record per instant ({"timestamp": ..., "generation.B16": 812.5, ...}), or an
# array per column; null where a series has no point.
WideRecords = list[dict[str, str | float | None]]
WideColumns = dict[str, list[str | float | None]]


class EnergyDataOut(BaseModel):
    area: AreaOut
    data_types: list[str]
    psr_types: list[str] | None = Field(description="production types asked for (null: all)")
    business_type: str | None
    start: str
    end: str
    tz: str
    resolution: str | None
    agg: str | None
    layout: str = Field(description="long or wide")
    columns: list[WideColumnOut] | None = Field(
        default=None, description="wide layout only: the series of each column"
    )
    unit: str | None
    sources: list[str]
    revision_number: int | None
    issued_at: str | None
    expected_points: int = Field(
        description="native points expected, summed over series with a known grid"
    )
    present_points: int = Field(description="native points returned (or aggregated)")
    series: list[SeriesOut]
    stored: list[StoredOut] | None = Field(
        default=None, description="empty answers only: what is stored of each data type"
    )
    note: str | None = Field(default=None, description="empty answers only: where the data is")
    data: list[RecordOut] | ColumnsOut | WideRecords | WideColumns = Field(
        description="records (json) or columns (columnar); layout=wide: keyed by column name"
    )


class ProductionTypeOut(BaseModel):
    code: str = Field(description="psrType code, e.g. B16")
    name: str = Field(description="the name psr_type also accepts, e.g. solar")
    description: str = Field(description="ENTSO-E's description")
    stored: list[str] | None = Field(
        description="with area: the data types stored for it with this type (null without area)"
    )


class ProductionTypesOut(BaseModel):
    area: str | None
    production_types: list[ProductionTypeOut]


class LatestPointOut(BaseModel):
    area_code: str
    data_type: str
    business_type: str
    psr_type: str = Field(
        description="production type (B01..B25; '' for load): the newest point of each one"
    )
    timestamp: str
    quantity: float
    unit: str
    resolution: str
    source: str
    revision_number: int
    issued_at: str


class MissingOut(BaseModel):
    area_code: str
    data_type: str


class LatestOut(BaseModel):
    tz: str
    points: list[LatestPointOut]
    missing: list[MissingOut] = Field(description="asked-for areas and items with nothing stored")


class StoredOut(BaseModel):
    data_type: str
    first: str | None
    last: str | None
    count: int
    psr_types: list[str] = Field(
        description="production types stored (B01..B25); empty for items without them (load)"
    )


class AreaStoredOut(AreaOut):
    stored: list[StoredOut]


class AreasOut(BaseModel):
    areas: list[AreaStoredOut]


class GapOut(BaseModel):
    start: str
    end: str = Field(description="exclusive: the next stored point, or the range's end")
    business_types: list[str]
    psr_types: list[str] = Field(description="production types missing here ('' for none)")
    missing: int


class CoverageSeriesOut(BaseModel):
    business_type: str
    psr_type: str = Field(description="production type (B01..B25), '' for series without one")
    first: str | None = Field(description="null: none stored in the range (a missing series)")
    last: str | None
    count: int
    expected: int
    gap_count: int


class CoverageItemOut(BaseModel):
    data_type: str
    start: str | None = Field(description="the range examined: from here (null: nothing stored)")
    end: str | None = Field(description="exclusive end of the range examined")
    first: str | None
    last: str | None
    count: int
    expected: int
    completeness: float | None
    resolutions: list[str]
    business_types: list[str]
    psr_types: list[str] = Field(description="production types stored in the range")
    series: list[CoverageSeriesOut] = Field(
        description="per series (business and production type): an expected one with nothing"
        " stored in the range is listed with count 0"
    )
    gap_count: int
    gaps: list[GapOut]
    gaps_truncated: bool


class CoverageOut(BaseModel):
    area: AreaOut
    tz: str
    items: list[CoverageItemOut]


class AccuracyOut(BaseModel):
    start: str | None = Field(default=None, description="bucket start (per-bucket rows only)")
    points: int = Field(description="forecast intervals compared")
    mae: float | None
    rmse: float | None
    mape: float | None = Field(description="percent; timestamps with a zero actual are skipped")
    mape_points: int
    bias: float | None = Field(description="mean(forecast - actual)")
    compared_resolutions: list[str] = Field(
        description="forecast resolution(s) compared: the actual is time-averaged over each"
        " forecast interval it fully covers"
    )


class ForecastAccuracyOut(BaseModel):
    area: AreaOut
    start: str
    end: str
    tz: str
    resolution: str | None
    overall: AccuracyOut
    buckets: list[AccuracyOut]
