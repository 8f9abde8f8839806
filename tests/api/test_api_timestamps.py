"""Timestamps print the same instant in json, columnar and csv: the year always four digits
(0001-01-01T03:00:00Z), an offset with its seconds (local mean time), and a local time outside
years 1..9999 in UTC instead of a 500."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from app.db.database import Database
from app.domain.points import EnergyPoint
from app.repositories.points import PointsRepository
from tests.api.support import extra_meta

pytestmark = pytest.mark.db

# Not 00:00: asyncpg stores datetime.min as -infinity.
YEAR_ONE = datetime(1, 1, 1, 3, tzinfo=UTC)
DAY = datetime(2024, 1, 1, tzinfo=UTC)
MONROVIA = ZoneInfo("Africa/Monrovia")  # UTC-00:44:30 until 1972
MONROVIA_DAY = datetime(1960, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
async def stored(database: Database, client: httpx.AsyncClient) -> AsyncIterator[None]:
    """AT actual load issued (createdDateTime) in year 1; LT actual load in 1960."""
    issued_in_year_one = extra_meta("AT", "ts-test-at", document_created_at=YEAR_ONE)
    lmt = extra_meta("LT", "ts-test-lt")
    q = timedelta(minutes=15)
    points = [EnergyPoint(DAY + k * q, Decimal(k), issued_in_year_one) for k in range(4)]
    points += [EnergyPoint(MONROVIA_DAY + k * q, Decimal(k), lmt) for k in range(4)]
    async with database.session() as session:
        await PointsRepository(session).upsert(points)
    try:
        yield
    finally:
        async with database.session() as session:
            await session.execute(
                text("DELETE FROM energy_data_points WHERE area_code IN ('AT', 'LT')")
            )
            await session.execute(
                text("DELETE FROM energy_series WHERE document_mrid LIKE 'ts-test-%'")
            )


async def _answers(
    client: httpx.AsyncClient, params: dict[str, str]
) -> tuple[dict[str, object], dict[str, object], httpx.Response]:
    json_ = await client.get("/api/v1/energy-data", params=params)
    columnar = await client.get("/api/v1/energy-data", params={**params, "format": "columnar"})
    csv_ = await client.get("/api/v1/energy-data", params={**params, "format": "csv"})
    assert json_.status_code == columnar.status_code == csv_.status_code == 200, json_.text
    return json_.json(), columnar.json(), csv_


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(
    ("tz", "issued"),
    [
        ("UTC", "0001-01-01T03:00:00Z"),
        ("Asia/Tokyo", "0001-01-01T12:18:59+09:18:59"),
        ("America/New_York", "0001-01-01T03:00:00Z"),  # local time in year 0: shown in UTC
    ],
)
async def test_a_year_one_timestamp_prints_four_digits_everywhere(
    client: httpx.AsyncClient, tz: str, issued: str
) -> None:
    params = {"area": "AT", "start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z"}
    json_, columnar, csv_ = await _answers(client, {**params, "tz": tz})
    assert json_["issued_at"] == columnar["issued_at"] == issued
    assert json_["series"][0]["issued_at"] == issued  # type: ignore[index]
    assert csv_.headers["X-Issued-At"] == issued


@pytest.mark.usefixtures("stored")
async def test_an_offset_with_seconds_keeps_them_in_json_columnar_and_csv(
    client: httpx.AsyncClient,
) -> None:
    params = {
        "area": "LT",
        "start": "1960-06-01T00:00:00Z",
        "end": "1960-06-01T01:00:00Z",
        "tz": "Africa/Monrovia",
    }
    json_, columnar, csv_ = await _answers(client, params)
    want = [
        (MONROVIA_DAY + k * timedelta(minutes=15)).astimezone(MONROVIA).isoformat()
        for k in range(4)
    ]
    assert want[0] == "1960-05-31T23:15:30-00:44:30"
    assert [r["timestamp"] for r in json_["data"]] == want  # type: ignore[attr-defined]
    assert columnar["data"]["timestamp"] == want  # type: ignore[index]
    rows = list(csv.DictReader(io.StringIO(csv_.text)))
    assert [r["timestamp"] for r in rows] == want
    assert [datetime.fromisoformat(t) for t in want] == [
        MONROVIA_DAY + k * timedelta(minutes=15) for k in range(4)
    ]
