"""Production types in GET /energy-data (real database): psr_type by code and by name, rows
that carry their production type in every format, a bad one is a 422 naming psr_type, and
GET /production-types lists the types and what an area stores of them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.entsoe.psr_types import PSR_TYPES
from tests.api.support_generation import RANGE, Series

pytestmark = pytest.mark.db


async def _rows(client: httpx.AsyncClient, fmt: str, **params: Any) -> list[dict[str, Any]]:
    """The answer's rows as dicts of text (csv) or JSON values, in answer order."""
    response = await client.get("/api/v1/energy-data", params={**RANGE, **params, "format": fmt})
    assert response.status_code == 200, response.text
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(response.text)))
    data = response.json()["data"]
    if fmt == "columnar":
        return [dict(zip(data, values, strict=True)) for values in zip(*data.values(), strict=True)]
    return list(data)


@pytest.mark.parametrize("fmt", ["json", "columnar", "csv"])
@pytest.mark.parametrize("psr", [["B16", "B19"], ["solar,wind_onshore"], ["SOLAR", "b19"]])
async def test_psr_type_by_code_or_name_reads_those_series_only(
    client: httpx.AsyncClient, generation: Series, fmt: str, psr: list[str]
) -> None:
    rows = await _rows(client, fmt, data_type="generation", psr_type=psr)
    want = [
        (t, psr_type, q)
        for (data_type, psr_type, _), values in sorted(generation.items())
        if data_type == "generation" and psr_type in ("B16", "B19")
        for t, q in sorted(values.items())
    ]
    got = [(r["timestamp"], r["psr_type"], Decimal(str(r["quantity"]))) for r in rows]
    assert [(p, q) for _, p, q in got] == [(p, q) for _, p, q in want]
    assert [t for t, _, _ in got] == [t.isoformat().replace("+00:00", "Z") for t, _, _ in want]
    assert {r["data_type"] for r in rows} == {"generation"}


async def test_load_rows_have_no_production_type_beside_filtered_generation(
    client: httpx.AsyncClient, generation: Series
) -> None:
    for fmt in ("json", "csv"):
        rows = await _rows(client, fmt, data_type="actual,generation", psr_type="solar")
        by_type = {(r["data_type"], r["psr_type"]) for r in rows}
        assert by_type == {("actual", ""), ("generation", "B16")}
        assert sum(r["data_type"] == "actual" for r in rows) == 92
    response = await client.get(
        "/api/v1/energy-data", params={**RANGE, "data_type": "actual,generation", "psr_type": "B16"}
    )
    series = {(s["data_type"], s["psr_type"]): s for s in response.json()["series"]}
    assert series[("actual", "")]["expected_points"] == series[("actual", "")]["present_points"]
    # 92 quarter-hours, two missing: expected vs present per production type
    assert (
        series[("generation", "B16")]["expected_points"],
        series[("generation", "B16")]["present_points"],
    ) == (92, 90)


async def test_without_psr_type_every_stored_type_comes_and_aggregates_per_type(
    client: httpx.AsyncClient, generation: Series
) -> None:
    body = (
        await client.get(
            "/api/v1/energy-data",
            params={**RANGE, "data_type": "generation", "resolution": "P1D", "agg": "sum"},
        )
    ).json()
    got = {r["psr_type"]: (r["quantity"], r["points"]) for r in body["data"]}
    want = {
        psr: (float(sum(values.values())), len(values))
        for (data_type, psr, _), values in generation.items()
        if data_type == "generation"
    }
    assert got == want
    assert {s["psr_type"] for s in body["series"]} == {"B01", "B16", "B18", "B19"}


@pytest.mark.parametrize(
    ("value", "suggestion"), [("solr", "solar"), ("wind_onshor", "wind_onshore"), ("B99", None)]
)
async def test_an_unknown_production_type_is_a_422_naming_psr_type(
    client: httpx.AsyncClient, value: str, suggestion: str | None
) -> None:
    params = {**RANGE, "data_type": "generation", "psr_type": f"B16,{value}"}
    response = await client.get("/api/v1/energy-data", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "psr_type" and value in body["detail"]
    assert body["suggestions"] == ([suggestion] if suggestion else [])
    if suggestion:
        assert f"did you mean {suggestion}?" in body["detail"]


async def test_psr_type_for_load_only_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/v1/energy-data", params={**RANGE, "data_type": "actual", "psr_type": "solar"}
    )
    assert response.status_code == 422 and response.json()["field"] == "psr_type"


async def test_production_types_are_listed_with_what_an_area_stores(
    client: httpx.AsyncClient, generation: Series
) -> None:
    plain = (await client.get("/api/v1/production-types")).json()
    assert plain["area"] is None
    assert [(p["code"], p["name"]) for p in plain["production_types"]] == [
        (p.code, p.name) for p in PSR_TYPES
    ]
    assert {p["stored"] for p in plain["production_types"]} == {None}
    assert plain["production_types"][15]["description"] == "Solar"
    stored = (await client.get("/api/v1/production-types", params={"area": "DE_LU"})).json()
    by_code = {p["code"]: p["stored"] for p in stored["production_types"]}
    assert stored["area"] == "DE_LU"
    assert by_code["B16"] == ["generation", "wind_solar_day_ahead"]
    assert by_code["B18"] == ["generation"] and by_code["B01"] == ["generation"]
    assert by_code["B02"] == [] and by_code["B25"] == []
    bad = await client.get("/api/v1/production-types", params={"area": "XX_NOPE"})
    assert bad.status_code == 422 and bad.json()["field"] == "area"


async def test_an_empty_generation_answer_says_which_production_types_are_stored(
    client: httpx.AsyncClient, generation: Series
) -> None:
    params = {
        "area": "DE_LU",
        "start": "2023-01-01T00:00:00Z",
        "end": "2023-01-02T00:00:00Z",
        "data_type": "generation",
    }
    body = (await client.get("/api/v1/energy-data", params=params)).json()
    assert body["data"] == [] and body["present_points"] == 0
    (stored,) = body["stored"]
    assert stored["data_type"] == "generation" and stored["count"] == 92 + 90 + 23 + 48
    assert stored["psr_types"] == ["B01", "B16", "B18", "B19"]
