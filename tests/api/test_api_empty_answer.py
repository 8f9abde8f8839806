"""An empty /energy-data answer says what is stored of the asked items (metadata `stored` and
`note`, CSV header `X-Stored`); an answer with data carries neither."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from tests.api.support import BRUSSELS, Dataset

pytestmark = pytest.mark.db

OUTSIDE = {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}


def _span(dataset: Dataset, area: str, data_type: str) -> tuple[datetime, datetime, int]:
    stamps = [ts for (a, d, _, ts) in dataset.points if a == area and d == data_type]
    return min(stamps), max(stamps), len(stamps)


def _z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("fmt", ["json", "columnar"])
@pytest.mark.parametrize("resolution", [None, "P1D"])
async def test_an_empty_answer_names_the_stored_range(
    client: httpx.AsyncClient, dataset: Dataset, fmt: str, resolution: str | None
) -> None:
    params = {"area": "BE", "data_type": "actual,day_ahead,year_ahead", "format": fmt, **OUTSIDE}
    if resolution:
        params["resolution"] = resolution
    response = await client.get("/api/v1/energy-data", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["present_points"] == 0
    actual, day_ahead = _span(dataset, "BE", "actual"), _span(dataset, "BE", "day_ahead")
    assert body["stored"] == [
        {
            "data_type": "actual",
            "first": _z(actual[0]),
            "last": _z(actual[1]),
            "count": actual[2],
            "psr_types": [],
        },
        {
            "data_type": "day_ahead",
            "first": _z(day_ahead[0]),
            "last": _z(day_ahead[1]),
            "count": day_ahead[2],
            "psr_types": [],
        },
        {"data_type": "year_ahead", "first": None, "last": None, "count": 0, "psr_types": []},
    ]
    assert body["note"] == (
        "nothing stored in [2030-01-01T00:00:00Z, 2030-01-02T00:00:00Z); stored: "
        f"actual {_z(actual[0])}..{_z(actual[1])}; day_ahead {_z(day_ahead[0])}..{_z(day_ahead[1])}"
    )


async def test_an_empty_csv_answer_has_the_stored_range_in_a_header(
    client: httpx.AsyncClient, dataset: Dataset
) -> None:
    params = {"area": "BE", "format": "csv", "tz": "Europe/Brussels", **OUTSIDE}
    response = await client.get("/api/v1/energy-data", params=params)
    assert response.status_code == 200
    assert response.text.count("\n") == 1  # the header line only
    first, last, _ = _span(dataset, "BE", "actual")
    expected = (
        f"actual={first.astimezone(BRUSSELS).isoformat()}/{last.astimezone(BRUSSELS).isoformat()}"
    )
    assert response.headers["X-Stored"] == expected


async def test_an_item_with_nothing_stored_anywhere_says_so(client: httpx.AsyncClient) -> None:
    params = {"area": "FR", "data_type": "month_ahead", **OUTSIDE}
    body = (await client.get("/api/v1/energy-data", params=params)).json()
    assert body["note"].endswith("stored: nothing for these data types")


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_an_answer_with_data_carries_no_stored_range(
    client: httpx.AsyncClient, fmt: str
) -> None:
    params = {
        "area": "BE",
        "start": "2024-03-30T00:00:00Z",
        "end": "2024-03-31T00:00:00Z",
        "format": fmt,
    }
    response = await client.get("/api/v1/energy-data", params=params)
    assert response.status_code == 200
    if fmt == "csv":
        assert "X-Stored" not in response.headers
    else:
        body = response.json()
        assert body["present_points"] > 0 and "stored" not in body and "note" not in body
