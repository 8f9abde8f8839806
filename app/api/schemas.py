"""The documented shapes of the read endpoints' answers (OpenAPI only).

The handlers build their JSON directly (orjson over numpy columns) for speed; these models are
what /docs shows and what the schemathesis run in tests/api checks every answer against.
Timestamps are ISO 8601 strings: UTC with ``Z``, or with the offset of the requested ``tz``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorOut(BaseModel):
    detail: str = Field(description="one sentence saying what is wrong")
    field: str | None = Field(description="the parameter at fault")
    suggestions: list[str] | None = Field(default=None, description="close area codes")
    parts: int | None = Field(
        default=None, description="points limit: split into this many requests"
    )
    suggested_end: str | None = Field(default=None, description="points limit: an end that fits")


ERRORS: dict[int | str, dict[str, object]] = {
    422: {"model": ErrorOut, "description": "invalid parameter (named in `field`)"}
}


class AreaOut(BaseModel):
    code: str
    eic: str
    name: str
    tz: str = Field(description="IANA zone whose calendar defines the area's days")


class SeriesOut(BaseModel):
    data_type: str
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
    quantity: list[float]
    resolution: list[str]
    points: list[int] | None = None
    expected_points: list[int | None] | None = None
    partial: list[bool] | None = None


class EnergyDataOut(BaseModel):
    area: AreaOut
    data_types: list[str]
    business_type: str | None
    start: str
    end: str
    tz: str
    resolution: str | None
    agg: str | None
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
    data: list[RecordOut] | ColumnsOut = Field(description="records (json) or columns (columnar)")


class LatestPointOut(BaseModel):
    area_code: str
    data_type: str
    business_type: str
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


class AreaStoredOut(AreaOut):
    stored: list[StoredOut]


class AreasOut(BaseModel):
    areas: list[AreaStoredOut]


class GapOut(BaseModel):
    start: str
    end: str = Field(description="exclusive: the next stored point")
    business_types: list[str]
    missing: int


class CoverageItemOut(BaseModel):
    data_type: str
    first: str | None
    last: str | None
    count: int
    expected: int
    completeness: float | None
    resolutions: list[str]
    business_types: list[str]
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
