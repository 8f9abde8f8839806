"""Bad input is a 422 naming the parameter (never a 500); the points limit says how to split."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from app.main import create_app
from tests.api.support import Dataset, local, running, settings_for

pytestmark = pytest.mark.db

OK = {"area": "BE", "start": "2024-03-31T00:00:00+01:00", "end": "2024-04-01T00:00:00+02:00"}

CASES: list[tuple[str, dict[str, Any], str]] = [
    ("/api/v1/energy-data", {**OK, "area": "BEE"}, "area"),
    ("/api/v1/energy-data", {**OK, "area": ""}, "area"),
    ("/api/v1/energy-data", {**OK, "start": "2024-03-31T00:00:00"}, "start"),
    ("/api/v1/energy-data", {**OK, "end": "2024-04-01"}, "end"),
    ("/api/v1/energy-data", {**OK, "start": "yesterday"}, "start"),
    ("/api/v1/energy-data", {**OK, "end": OK["start"]}, "end"),
    ("/api/v1/energy-data", {**OK, "end": "2024-03-30T00:00:00Z"}, "end"),
    ("/api/v1/energy-data", {**OK, "start": "0001-01-01T00:00:00+01:00"}, "start"),
    ("/api/v1/energy-data", {**OK, "end": "9999-12-31T23:59:59-23:59"}, "end"),
    ("/api/v1/energy-data", {**OK, "data_type": "actual,intraday"}, "data_type"),
    ("/api/v1/energy-data", {**OK, "business_type": "A60"}, "business_type"),
    ("/api/v1/energy-data", {**OK, "tz": "Europe/Bruxelles"}, "tz"),
    ("/api/v1/energy-data", {**OK, "tz": "../../etc/passwd"}, "tz"),
    ("/api/v1/energy-data", {**OK, "resolution": "PT5M"}, "resolution"),
    ("/api/v1/energy-data", {**OK, "resolution": "P1D", "agg": "median"}, "agg"),
    ("/api/v1/energy-data", {**OK, "agg": "sum"}, "agg"),
    ("/api/v1/energy-data", {**OK, "format": "xml"}, "format"),
    ("/api/v1/energy-data", {"area": "BE", "start": OK["start"]}, "end"),
    (
        "/api/v1/load-data",
        {"area_code": "XX", "start_time": OK["start"], "end_time": OK["end"]},
        "area_code",
    ),
    (
        "/api/v1/load-data",
        {"area_code": "BE", "start_time": OK["end"], "end_time": OK["start"]},
        "end_time",
    ),
    ("/api/v1/energy-data/latest", {"areas": "BE,NOPE"}, "areas"),
    ("/api/v1/energy-data/latest", {"areas": ","}, "areas"),
    ("/api/v1/energy-data/latest", {"areas": "BE", "data_type": "hourly"}, "data_type"),
    ("/api/v1/coverage", {"area": "Belgium"}, "area"),
    ("/api/v1/coverage", {"area": "BE", "data_type": "x"}, "data_type"),
    ("/api/v1/coverage", {"area": "BE", "max_gaps": -1}, "max_gaps"),
    ("/api/v1/forecast-accuracy", {**OK, "resolution": "PT15M"}, "resolution"),
    ("/api/v1/forecast-accuracy", {**OK, "tz": "Mars/Olympus"}, "tz"),
    ("/api/v1/forecast-accuracy", {**OK, "start": OK["end"]}, "end"),
]


@pytest.mark.parametrize(("path", "params", "field"), CASES)
async def test_bad_input_is_422_naming_the_parameter(
    client: httpx.AsyncClient, path: str, params: dict[str, Any], field: str
) -> None:
    response = await client.get(path, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field, body
    assert isinstance(body["detail"], str) and body["detail"]


async def test_unknown_area_suggests_close_matches(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/energy-data", params={**OK, "area": "DE_L"})).json()
    assert body["field"] == "area"
    assert "DE_LU" in body["suggestions"]


async def test_points_limit_says_how_to_split(database_url: str, dataset: Dataset) -> None:
    limit = 50
    async with running(create_app(settings_for(database_url, max_points=limit))) as client:
        response = await client.get("/api/v1/energy-data", params=OK)
        assert response.status_code == 422
        body = response.json()
        assert body["field"] == "end"
        assert body["parts"] == math.ceil(92 / limit) == 2
        assert "split" in body["detail"] and str(limit) in body["detail"]
        # the suggested end fits: exactly `limit` points in [start, suggested_end)
        first = await client.get("/api/v1/energy-data", params={**OK, "end": body["suggested_end"]})
        assert first.status_code == 200
        assert first.json()["present_points"] == limit
        rest = await client.get(
            "/api/v1/energy-data", params={**OK, "start": body["suggested_end"]}
        )
        assert rest.json()["present_points"] == 92 - limit
        # CSV is checked before anything streams
        csv = await client.get("/api/v1/energy-data", params={**OK, "format": "csv"})
        assert csv.status_code == 422
        # aggregated answers count buckets: 95 hourly buckets (four days, one of 23 h) > the limit
        params = {
            "area": "BE",
            "start": local(2024, 3, 28).isoformat(),
            "end": local(2024, 4, 1).isoformat(),
        }
        hourly = await client.get("/api/v1/energy-data", params={**params, "resolution": "PT1H"})
        assert hourly.status_code == 422 and "coarser" in hourly.json()["detail"]
        daily = await client.get("/api/v1/energy-data", params={**params, "resolution": "P1D"})
        assert daily.status_code == 200 and len(daily.json()["data"]) == 2  # 4 buckets, 2 stored
        # expected/present count native quarter-hours: four local days, one of 23 hours
        assert (daily.json()["expected_points"], daily.json()["present_points"]) == (380, 184)


async def test_two_apps_in_one_process_each_serve_their_own_settings(
    database_url: str, dataset: Dataset
) -> None:
    """Each app reads its own container from app.state: an app created later (or earlier) with
    other settings changes nothing for this one, whichever order they answer in."""
    small = create_app(settings_for(database_url, max_points=50))
    large = create_app(settings_for(database_url, max_points=1000))
    async with running(small) as small_client, running(large) as large_client:
        for _ in range(2):  # interleaved, in both orders
            assert (await large_client.get("/api/v1/energy-data", params=OK)).status_code == 200
            refused = await small_client.get("/api/v1/energy-data", params=OK)
            assert refused.status_code == 422 and refused.json()["field"] == "end"
    assert small.state.container is not large.state.container
