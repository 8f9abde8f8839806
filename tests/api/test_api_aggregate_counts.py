"""Regressions of the query API's aggregates and forecast accuracy (real database):

- buckets cut by [start, end) or holding holes say so (native expected vs present, per bucket);
- ``mean`` is weighted by each point's interval length (resolution switch, 23-hour days);
- forecast accuracy averages the actual up to the forecast's interval, only when fully covered.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from app.db.database import Database
from app.domain.points import EnergyPoint, SeriesMeta
from app.repositories.points import PointsRepository
from app.repositories.readings_buckets_sql import buckets_sql
from app.repositories.readings_rows import RangeQuery
from tests.api.support import BRUSSELS, Dataset, local

pytestmark = pytest.mark.db

Q, H = timedelta(minutes=15), timedelta(hours=1)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NL_RANGE = {"area": "NL", "start": "2024-01-01T00:00:00Z", "end": "2024-01-03T00:00:00Z"}
SECONDS = {"PT15M": 900, "PT60M": 3600}


def _weighted(rows: list[tuple[Decimal, int]]) -> float:
    return float(sum(q * w for q, w in rows) / sum(w for _, w in rows))


@pytest.mark.parametrize("fmt", ["json", "columnar", "csv"])
async def test_buckets_cut_by_the_range_say_so(client: httpx.AsyncClient, fmt: str) -> None:
    params = {**NL_RANGE, "resolution": "P1D", "agg": "mean", "format": fmt}
    response = await client.get("/api/v1/energy-data", params=params)
    assert response.status_code == 200, response.text
    # local (Amsterdam) days 1, 2 and 3 January; [start, end) holds 23 h of the 1st (hourly),
    # the 2nd (1 hourly + 92 quarter-hours) and 1 h of the 3rd (4 quarter-hours)
    want = [(23, 23, True), (93, 93, False), (4, 4, True)]
    stamps = ["2023-12-31T23:00:00Z", "2024-01-01T23:00:00Z", "2024-01-02T23:00:00Z"]
    if fmt == "csv":
        lines = response.text.splitlines()
        assert lines[0].endswith(",resolution,points,expected_points,partial")
        rows = [line.split(",") for line in lines[1:]]
        assert [r[0] for r in rows] == stamps
        assert [(int(r[7]), int(r[8]), r[9] == "true") for r in rows] == want
        headers = response.headers
        assert (headers["x-expected-points"], headers["x-present-points"]) == ("120", "120")
        return
    body = response.json()
    # native points expected in [start, end) at the stored resolutions, not 3 buckets
    assert (body["expected_points"], body["present_points"]) == (24 + 96, 24 + 96)
    assert (body["series"][0]["expected_points"], body["series"][0]["present_points"]) == (120, 120)
    data = body["data"]
    if fmt == "columnar":
        got = list(zip(data["points"], data["expected_points"], data["partial"], strict=True))
        assert data["timestamp"] == stamps
    else:
        got = [(r["points"], r["expected_points"], r["partial"]) for r in data]
        assert [r["timestamp"] for r in data] == stamps
    assert got == want


async def test_a_hole_in_a_bucket_shows_against_its_expected(client: httpx.AsyncClient) -> None:
    params = {
        "area": "BE",
        "start": local(2024, 3, 30, 6).isoformat(),  # cuts the first local day
        "end": local(2024, 4, 1).isoformat(),
        "resolution": "P1D",
        "agg": "sum",
    }
    body = (await client.get("/api/v1/energy-data", params=params)).json()
    # 30 March from 06:00: 72 quarter-hours due, 4 of them in the hole; 31 March: 23 hours
    assert [(r["points"], r["expected_points"], r["partial"]) for r in body["data"]] == [
        (68, 72, True),
        (92, 92, False),
    ]
    assert (body["expected_points"], body["present_points"]) == (72 + 92, 68 + 92)


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_mean_is_weighted_by_time_across_a_resolution_switch(
    client: httpx.AsyncClient, dataset: Dataset, fmt: str
) -> None:
    params = {**NL_RANGE, "resolution": "P1D", "agg": "mean", "format": fmt}
    response = await client.get("/api/v1/energy-data", params=params)
    assert response.status_code == 200
    if fmt == "csv":
        values = [float(line.split(",")[5]) for line in response.text.splitlines()[1:]]
    else:
        values = [r["quantity"] for r in response.json()["data"]]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    buckets: dict[date, list[tuple[Decimal, int]]] = {}
    for ts, bt, q in dataset.rows("NL", "actual", start, start + 2 * timedelta(days=1)):
        day = ts.astimezone(AMSTERDAM).date()
        resolution = dataset.metas[("NL", "actual", bt, ts)].resolution
        buckets.setdefault(day, []).append((q, SECONDS[resolution]))
    want = [_weighted(rows) for _, rows in sorted(buckets.items())]
    assert values == pytest.approx(want, rel=1e-15, abs=0)
    # local 2 January: one hour at 23:00Z then 92 quarter-hours; by point count it would differ
    mixed = sorted(buckets.items())[1][1]
    by_count = float(sum(q for q, _ in mixed) / len(mixed))
    assert round(values[1], 3) == 5313.513 and round(by_count, 3) == 5328.202


async def test_mean_weights_calendar_points_by_their_local_length(
    client: httpx.AsyncClient, dataset: Dataset
) -> None:
    start, end = local(2024, 3, 25), local(2024, 4, 8)
    params = {
        "area": "BE",
        "data_type": "week_ahead",
        "business_type": "A60",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "resolution": "P7D",
    }
    body = (await client.get("/api/v1/energy-data", params=params)).json()
    weeks: dict[int, list[tuple[Decimal, int]]] = {}
    for ts, _, q in dataset.rows("BE", "week_ahead", start, end, "A60"):
        day = ts.astimezone(BRUSSELS).date()
        next_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), BRUSSELS)
        length = int((next_day.astimezone(UTC) - ts) / timedelta(seconds=1))
        weeks.setdefault(day.isocalendar().week, []).append((q, length))
    assert [w[1] for w in weeks[13]] == [86400, 86400, 82800]  # 31 March has 23 hours
    want = [_weighted(rows) for _, rows in sorted(weeks.items())]
    assert [r["quantity"] for r in body["data"]] == pytest.approx(want, rel=1e-15, abs=0)
    assert [(r["points"], r["expected_points"]) for r in body["data"]] == [(3, 7), (2, 7)]


def test_the_timescaledb_branch_weights_the_mean_the_same_way() -> None:
    query = RangeQuery(
        "NL",
        ("actual",),
        ("A04",),
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 2, tzinfo=UTC),
    )
    for resolution in ("PT1H", "P1D"):
        plain = buckets_sql(query, resolution, "mean", timescale=False)
        scaled = buckets_sql(query, resolution, "mean", timescale=True)
        assert "time_bucket(" in scaled and "time_bucket(" not in plain
        weighted = plain[plain.index(" AS bucket,") :]
        assert weighted == scaled[scaled.index(" AS bucket,") :]
        assert "sum(p.quantity * (CASE r.resolution" in weighted and "avg(" not in weighted
    assert "avg(" not in buckets_sql(query, "P1D", "sum", timescale=True)


@pytest.fixture
async def at_load(
    database: Database, make_meta: Callable[..., SeriesMeta]
) -> AsyncIterator[tuple[dict[datetime, Decimal], dict[datetime, Decimal]]]:
    """AT: hourly day-ahead and quarter-hourly actual on the BE-like spring DST day, one
    quarter-hour missing; committed (the app reads on its own connections), removed after."""
    start = local(2024, 3, 31)
    actual_meta = make_meta(area_code="AT", document_mrid="at-a", resolution="PT15M")
    forecast_meta = make_meta(
        area_code="AT", data_type="day_ahead", document_mrid="at-f", resolution="PT60M"
    )
    hole = start + 2 * H + 2 * Q
    actual = {
        start + k * Q: Decimal(6000 + (k * 53) % 700) + Decimal(k % 7) / 8
        for k in range(92)
        if start + k * Q != hole
    }
    forecast = {start + k * H: Decimal(6100 + (k * 97) % 500) + Decimal("0.25") for k in range(23)}
    points = [EnergyPoint(t, q, actual_meta) for t, q in actual.items()]
    points += [EnergyPoint(t, q, forecast_meta) for t, q in forecast.items()]
    async with database.session() as session:
        await PointsRepository(session).upsert(points)
    try:
        yield actual, forecast
    finally:
        async with database.session() as session:
            await session.execute(text("DELETE FROM energy_data_points WHERE area_code = 'AT'"))
            await session.execute(
                text("DELETE FROM energy_series WHERE document_mrid IN ('at-a', 'at-f')")
            )


async def test_forecast_accuracy_compares_hours_with_the_mean_of_their_quarter_hours(
    client: httpx.AsyncClient,
    at_load: tuple[dict[datetime, Decimal], dict[datetime, Decimal]],
) -> None:
    actual, forecast = at_load
    start, end = local(2024, 3, 31), local(2024, 4, 1) - H + 2 * Q  # cuts the last hour
    params: dict[str, Any] = {"area": "AT", "start": start.isoformat(), "end": end.isoformat()}
    body = (await client.get("/api/v1/forecast-accuracy", params=params)).json()
    pairs = []
    for t, f in forecast.items():
        quarters = [t + k * Q for k in range(4)]
        if all(u in actual and u < end for u in quarters):
            pairs.append((sum(actual[u] for u in quarters) / 4, f))
    # 23 hours: one has a hole, the last is cut by `end`; both are not compared
    assert len(pairs) == 21
    errors = [f - a for a, f in pairs]
    overall = body["overall"]
    assert (overall["points"], overall["compared_resolutions"]) == (21, ["PT60M"])
    assert overall["mae"] == pytest.approx(float(sum(abs(e) for e in errors) / 21), rel=1e-12)
    assert overall["rmse"] == pytest.approx(math.sqrt(sum(e * e for e in errors) / 21), rel=1e-12)
    assert overall["bias"] == pytest.approx(float(sum(errors) / 21), rel=1e-12)
    mape = float(100 * sum(abs(f - a) / a for a, f in pairs) / 21)
    assert overall["mape"] == pytest.approx(mape, rel=1e-12)
