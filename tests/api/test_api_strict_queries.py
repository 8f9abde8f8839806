"""Strict queries: unknown query parameters are 422s naming them (with what was meant), a
country whose load is stored under its bidding zone suggests the zone, HEAD answers every GET
route, and the OpenAPI document describes the errors as they are sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.api.schemas import ErrorOut
from app.db.database import Database
from app.domain.points import EnergyPoint
from app.entsoe.areas import COUNTRY_ZONES, get_area
from app.main import create_app
from app.repositories.points import PointsRepository
from tests.api.support import extra_meta, running, settings_for

pytestmark = pytest.mark.db

OK = {"area": "BE", "start": "2024-03-31T00:00:00+01:00", "end": "2024-04-01T00:00:00+02:00"}
# Every GET route with query parameters that answer 200 on the test data set.
GETS: dict[str, dict[str, str]] = {
    "/health": {},
    "/metrics": {},
    "/status": {},
    "/api/v1/energy-data": OK,
    "/api/v1/load-data": {
        "area_code": "BE",
        "start_time": OK["start"],
        "end_time": OK["end"],
    },
    "/api/v1/energy-data/latest": {"areas": "BE"},
    "/api/v1/production-types": {"area": "BE"},
    "/api/v1/areas": {},
    "/api/v1/coverage": {"area": "BE"},
    "/api/v1/forecast-accuracy": OK,
}


def _get_paths() -> set[str]:
    document = create_app(settings_for("postgresql://nobody@127.0.0.1:1/none")).openapi()
    return {path for path, item in document["paths"].items() if "get" in item}


def test_the_cases_cover_every_get_route() -> None:
    assert _get_paths() == {*GETS, "/ready", "/api/v1/collect-jobs/{job_id}"}


@pytest.mark.parametrize(
    ("params", "field", "suggestion"),
    [
        ({**OK, "form": "csv"}, "form", "format"),
        ({**OK, "timezone": "Europe/Berlin"}, "timezone", "tz"),
        ({**OK, "Area": "BE"}, "Area", "area"),
        ({**OK, "from": OK["start"]}, "from", "start"),
        ({**OK, "xyzzy": "1"}, "xyzzy", None),
    ],
)
async def test_an_unknown_query_parameter_is_named_with_what_was_meant(
    client: httpx.AsyncClient, params: dict[str, str], field: str, suggestion: str | None
) -> None:
    response = await client.get("/api/v1/energy-data", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field and field in body["detail"]
    assert body["suggestions"] == ([suggestion] if suggestion else [])
    if suggestion:
        assert f"did you mean {suggestion}?" in body["detail"]


@pytest.mark.parametrize("path", [*GETS, "/ready", "/api/v1/collect-jobs/1"])
async def test_every_route_refuses_unknown_query_parameters(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, params={**GETS.get(path, {}), "form": "csv", "b": "2"})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "form" and "unknown query parameters form" in body["detail"]


async def test_a_post_refuses_unknown_query_parameters_after_the_key(database_url: str) -> None:
    async with running(create_app(settings_for(database_url, keys=["k"]))) as client:
        keyless = await client.post("/api/v1/collect-data?dry_run=1", json={})
        posted = await client.post(
            "/api/v1/collect-data?dry_run=1", json={}, headers={"X-API-Key": "k"}
        )
    assert keyless.status_code == 401
    assert posted.status_code == 422 and posted.json()["field"] == "dry_run"


async def test_a_load_data_start_suggests_start_time_and_repeats_stay_refused(
    client: httpx.AsyncClient,
) -> None:
    params = {"area_code": "BE", "start": OK["start"], "end_time": OK["end"]}
    body = (await client.get("/api/v1/load-data", params=params)).json()
    assert (body["field"], body["suggestions"]) == ("start", ["start_time"])
    twice = await client.get("/api/v1/coverage", params=[("area", "BE"), ("area", "FR")])
    assert twice.status_code == 422 and twice.json()["field"] == "area"
    joined = await client.get(
        "/api/v1/energy-data/latest", params=[("areas", "BE"), ("areas", "FR")]
    )
    assert joined.status_code == 200


def test_every_country_zone_is_in_the_registry() -> None:
    for country, zones in COUNTRY_ZONES.items():
        assert get_area(country).code == country
        assert zones and all(get_area(z).code == z for z in zones)


@pytest.fixture
async def dk1_stored(database: Database, client: httpx.AsyncClient) -> AsyncIterator[None]:
    """A day of DK1 actual load (DK itself has nothing), removed afterwards."""
    meta = extra_meta("DK_1", "dk1-test")
    start = datetime(2024, 1, 1, tzinfo=UTC)
    points = [
        EnergyPoint(start + k * timedelta(minutes=15), Decimal(100 + k), meta) for k in range(96)
    ]
    async with database.session() as session:
        await PointsRepository(session).upsert(points)
    try:
        yield
    finally:
        async with database.session() as session:
            await session.execute(text("DELETE FROM energy_data_points WHERE area_code = 'DK_1'"))
            await session.execute(
                text("DELETE FROM energy_series WHERE document_mrid = 'dk1-test'")
            )


DK_RANGE = {"start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z"}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/energy-data", {"area": "dk", **DK_RANGE}, "area"),
        ("/api/v1/energy-data", {"area": "10Y1001A1001A65H", **DK_RANGE}, "area"),
        (
            "/api/v1/load-data",
            {"area_code": "DK", "start_time": DK_RANGE["start"], "end_time": DK_RANGE["end"]},
            "area_code",
        ),
        ("/api/v1/energy-data/latest", {"areas": "BE,DK"}, "areas"),
        ("/api/v1/coverage", {"area": "DK"}, "area"),
        ("/api/v1/forecast-accuracy", {"area": "DK", **DK_RANGE}, "area"),
    ],
)
@pytest.mark.usefixtures("dk1_stored")
async def test_a_country_whose_load_is_stored_for_its_zone_suggests_the_zone(
    client: httpx.AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 422
    body = response.json()
    assert (body["field"], body["suggestions"]) == (field, ["DK_1"])
    assert "DK_1" in body["detail"] and "Denmark" in body["detail"]
    zone = await client.get("/api/v1/energy-data", params={"area": "DK_1", **DK_RANGE})
    assert zone.status_code == 200 and zone.json()["present_points"] == 96


async def test_a_country_is_answered_as_usual_when_its_zones_hold_nothing_either(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/energy-data", params={"area": "DE", **DK_RANGE})
    assert response.status_code == 200 and response.json()["present_points"] == 0


@pytest.mark.parametrize(
    ("path", "params"),
    [*GETS.items(), *[("/api/v1/energy-data", {**OK, "format": f}) for f in ("csv", "columnar")]],
)
async def test_head_answers_every_get_route_with_its_headers_and_no_body(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    got = await client.get(path, params=params)
    head = await client.head(path, params=params)
    assert got.status_code == head.status_code == 200
    assert got.content and head.content == b""
    volatile = {"content-length"} if path == "/metrics" else set()  # counters move between calls
    assert {k: v for k, v in head.headers.items() if k not in volatile} == {
        k: v for k, v in got.headers.items() if k not in volatile
    }
    missing = await client.head("/api/v1/energy-data", params={"area": "BE"})
    assert missing.status_code == 422 and missing.content == b""
    assert (await client.head("/api/v1/collect-data")).status_code == 405


def _responses(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", status, response)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
    ]


def test_the_openapi_document_describes_the_errors_as_sent() -> None:
    document = create_app(settings_for("postgresql://nobody@127.0.0.1:1/none")).openapi()
    assert "HTTPValidationError" not in str(document) and "ValidationError" not in str(document)
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    by_status: dict[str, set[str]] = {}
    for operation, status, response in _responses(document):
        by_status.setdefault(status, set()).add(operation)
        if status.startswith("4"):
            assert response["content"]["application/json"]["schema"] == error_ref, operation
    operations = {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}
    assert by_status["422"] == operations
    assert by_status["400"] == {"POST /api/v1/collect-data"}
    error = document["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["detail"]["type"] == "string"
    assert {"detail", "field"} <= set(error["required"])


async def test_an_undecodable_body_is_the_documented_400(database_url: str) -> None:
    app = create_app(settings_for(database_url, keys=["k"]))
    async with running(app) as client:
        response = await client.post(
            "/api/v1/collect-data",
            content=b"[" * 50_000,
            headers={"X-API-Key": "k", "content-type": "application/json"},
        )
    assert response.status_code == 400
    documented = app.openapi()["paths"]["/api/v1/collect-data"]["post"]["responses"]["400"]
    assert documented["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert ErrorOut.model_validate(response.json()).field == "body"
