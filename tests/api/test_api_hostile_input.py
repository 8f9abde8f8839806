"""Input a stranger sends by mistake: numbers as datetimes, an unencoded '+', a repeated
parameter. Each is a 422 naming the parameter, never a silently different question."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.db

OK = {"area": "BE", "start": "2024-03-31T00:00:00+01:00", "end": "2024-04-01T00:00:00+02:00"}
LOAD = {"area_code": "BE", "start_time": OK["start"], "end_time": OK["end"]}
# A few hours only: the answers that must succeed stay below any points limit a test sets.
SHORT = {**OK, "end": "2024-03-31T04:00:00Z"}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        # pydantic would read these as Unix seconds: 2024 -> 1970-01-01T00:33:44Z
        ("/api/v1/energy-data", {**OK, "start": "2024", "end": "2025"}, "start"),
        ("/api/v1/energy-data", {**OK, "end": "1711926000"}, "end"),
        ("/api/v1/energy-data", {**OK, "start": "20240331"}, "start"),
        ("/api/v1/energy-data", {**OK, "start": "-1.5e3"}, "start"),
        ("/api/v1/load-data", {**LOAD, "end_time": "1711926000"}, "end_time"),
        ("/api/v1/forecast-accuracy", {**OK, "start": "0"}, "start"),
    ],
)
async def test_a_number_is_not_a_datetime(
    client: httpx.AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert "ISO 8601" in response.json()["detail"] and "not a number" in response.json()["detail"]


async def test_an_unencoded_plus_is_explained(client: httpx.AsyncClient) -> None:
    # ?start=2024-03-31T00:00:00+01:00 written by hand: the '+' decodes to a space
    query = "area=BE&start=2024-03-31T00:00:00+01:00&end=2024-03-31T04:00:00Z"
    response = await client.get(f"/api/v1/energy-data?{query}")
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "start"
    assert "%2B" in response.json()["detail"]
    encoded = query.replace("+", "%2B")
    assert (await client.get(f"/api/v1/energy-data?{encoded}")).status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/energy-data", [*OK.items(), ("area", "NL")], "area"),
        ("/api/v1/energy-data", [*OK.items(), ("end", "2024-04-02T00:00:00Z")], "end"),
        ("/api/v1/energy-data", [*OK.items(), ("tz", "UTC"), ("tz", "Europe/Paris")], "tz"),
        ("/api/v1/load-data", [*LOAD.items(), ("area_code", "NL")], "area_code"),
        ("/api/v1/coverage", [("area", "BE"), ("area", "NL")], "area"),
    ],
)
async def test_a_repeated_parameter_is_refused(
    client: httpx.AsyncClient, path: str, params: list[tuple[str, str]], field: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert "more than once" in response.json()["detail"]


async def test_list_parameters_may_repeat(client: httpx.AsyncClient) -> None:
    params = [*SHORT.items(), ("data_type", "actual"), ("data_type", "day_ahead")]
    response = await client.get("/api/v1/energy-data", params=params)
    assert response.status_code == 200, response.text
    assert response.json()["data_types"] == ["actual", "day_ahead"]
    latest = await client.get(
        "/api/v1/energy-data/latest", params=[("areas", "BE"), ("areas", "FR")]
    )
    assert latest.status_code == 200, latest.text
    assert {p["area_code"] for p in latest.json()["points"]} == {"BE", "FR"}
