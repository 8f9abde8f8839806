"""The gap finder (service and GET /coverage), forecast accuracy, latest points, the registry."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import text

from app.db.database import Database
from app.domain.points import EnergyPoint
from app.entsoe.areas import AREAS
from app.repositories.points import PointsRepository
from app.services.coverage import coverage
from tests.api.support import BRUSSELS, HOLE, Dataset, extra_meta, local

pytestmark = pytest.mark.db

Q, H = timedelta(minutes=15), timedelta(hours=1)
SUMMER_GAP = (local(2024, 4, 1), local(2024, 10, 26))  # between the spring and autumn data


def z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_gap_finder_finds_the_hole_and_the_summer(
    database: Database, dataset: Dataset
) -> None:
    async with database.session() as session:
        report = await coverage(session, "BE", "actual")
    stored = len(
        dataset.rows(
            "BE", "actual", datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
        )
    )
    assert report.count == stored == 92 + 92 + 96 + 100
    assert report.first == local(2024, 3, 30) and report.last == local(2024, 10, 28) - Q
    summer = (SUMMER_GAP[1] - SUMMER_GAP[0]) // Q
    assert [(g.start, g.end, g.missing) for g in report.gaps] == [
        (HOLE[0], HOLE[1], 4),
        (SUMMER_GAP[0], SUMMER_GAP[1], summer),
    ]
    assert report.expected == stored + 4 + summer
    assert report.completeness == pytest.approx(stored / (stored + 4 + summer))
    assert report.resolutions == ("PT15M",) and report.business_types == ("A04",)


async def test_gap_finder_uses_each_points_own_resolution(database: Database) -> None:
    async with database.session() as session:
        switch = await coverage(session, "NL", "actual")  # PT60M then PT15M, no hole
        daily = await coverage(session, "be", "week_ahead")  # P1D across a 23-hour day
        day_ahead = await coverage(session, "10YBE----------2", "day_ahead")  # hourly, then PT15M
        nothing = await coverage(session, "DE_LU", "actual")
    assert (switch.count, switch.expected, switch.gaps) == (120, 120, ())
    assert switch.resolutions == ("PT15M", "PT60M")
    assert (daily.count, daily.expected, daily.gaps) == (10, 10, ())
    assert daily.business_types == ("A60", "A61") and daily.completeness == 1.0
    (gap,) = day_ahead.gaps
    # the hourly grid from local midnight 1 April to the first quarter-hour of 27 October
    assert (gap.start, gap.end) == (local(2024, 4, 1), local(2024, 10, 27))
    assert gap.missing == (local(2024, 10, 27) - local(2024, 4, 1)) // H
    assert (nothing.count, nothing.first, nothing.gaps, nothing.completeness) == (0, None, (), None)


async def test_coverage_endpoint(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/coverage", params={"area": "BE"})).json()
    assert body["area"]["code"] == "BE"
    items = {i["data_type"]: i for i in body["items"]}
    assert set(items) == {"actual", "day_ahead", "week_ahead"}  # only what is stored
    actual = items["actual"]
    assert actual["gap_count"] == 2 and not actual["gaps_truncated"]
    assert actual["gaps"][0] == {
        "start": z(HOLE[0]),
        "end": z(HOLE[1]),
        "business_types": ["A04"],
        "psr_types": [],  # load has no production type
        "missing": 4,
    }
    assert actual["psr_types"] == []
    assert actual["series"] == [
        {
            "business_type": "A04",
            "psr_type": "",
            "first": actual["first"],
            "last": actual["last"],
            "count": 380,
            "expected": actual["expected"],
            "gap_count": 2,
        }
    ]
    assert actual["first"] == z(local(2024, 3, 30)) and actual["count"] == 380
    one = (
        await client.get(
            "/api/v1/coverage",
            params={"area": "BE", "data_type": "actual", "max_gaps": 1, "tz": "Europe/Brussels"},
        )
    ).json()
    (item,) = one["items"]
    assert item["gaps_truncated"] and len(item["gaps"]) == 1
    assert item["gaps"][0]["start"] == "2024-03-30T11:00:00+01:00"
    asked = (
        await client.get("/api/v1/coverage", params={"area": "BE", "data_type": "month_ahead"})
    ).json()
    assert [(i["data_type"], i["count"], i["gaps"]) for i in asked["items"]] == [
        ("month_ahead", 0, [])
    ]


async def test_coverage_over_an_asked_range_counts_each_business_type(
    client: httpx.AsyncClient,
) -> None:
    # BE week-ahead: A60 and A61 daily from 29 March to 2 April 2024; asked from 27 March to
    # 4 April (local), both miss the first two and the last day: one merged gap at each edge.
    params = {
        "area": "BE",
        "data_type": "week_ahead",
        "start": "2024-03-27T00:00:00+01:00",
        "end": "2024-04-04T00:00:00+02:00",
    }
    (item,) = (await client.get("/api/v1/coverage", params=params)).json()["items"]
    assert (item["start"], item["end"]) == (z(local(2024, 3, 27)), z(local(2024, 4, 4)))
    assert [(g["start"], g["end"], g["business_types"], g["missing"]) for g in item["gaps"]] == [
        (z(local(2024, 3, 27)), z(local(2024, 3, 29)), ["A60", "A61"], 4),
        (z(local(2024, 4, 3)), z(local(2024, 4, 4)), ["A60", "A61"], 2),
    ]
    assert (item["count"], item["expected"]) == (10, 16)
    bad = await client.get("/api/v1/coverage", params={**params, "end": params["start"]})
    assert bad.status_code == 422 and bad.json()["field"] == "end"
    naive = await client.get("/api/v1/coverage", params={"area": "BE", "start": "2024-03-27T00:00"})
    assert naive.status_code == 422 and naive.json()["field"] == "start"


def _accuracy(pairs: list[tuple[Decimal, Decimal]]) -> dict[str, float]:
    errors = [f - a for a, f in pairs]
    nonzero = [(a, f) for a, f in pairs if a != 0]
    return {
        "points": len(pairs),
        "mae": float(sum(abs(e) for e in errors) / len(errors)),
        "rmse": math.sqrt(sum(e * e for e in errors) / len(errors)),
        "mape": float(100 * sum(abs(f - a) / abs(a) for a, f in nonzero) / len(nonzero)),
        "mape_points": len(nonzero),
        "bias": float(sum(errors) / len(errors)),
    }


STEPS = {"PT15M": Q, "PT60M": H}


def _pairs(dataset: Dataset, start: datetime, end: datetime) -> list[tuple[Decimal, Decimal]]:
    """(actual averaged over the forecast interval, forecast) per fully covered interval."""
    actual = {ts: q for ts, _, q in dataset.rows("BE", "actual", start, end)}
    out = []
    for ts, bt, q in dataset.rows("BE", "day_ahead", start, end):
        step = STEPS[dataset.metas[("BE", "day_ahead", bt, ts)].resolution]
        quarters = [ts + k * Q for k in range(step // Q)]  # the actual is quarter-hourly
        if all(t in actual and t < end for t in quarters):
            out.append((sum(actual[t] for t in quarters) / len(quarters), q))
    return out


def _check(got: dict[str, float], want: dict[str, float]) -> None:
    assert (got["points"], got["mape_points"]) == (want["points"], want["mape_points"])
    for key in ("mae", "rmse", "mape", "bias"):
        assert got[key] == pytest.approx(want[key], rel=1e-12), key


async def test_forecast_accuracy_matches_python(
    client: httpx.AsyncClient, dataset: Dataset
) -> None:
    start, end = local(2024, 3, 1), local(2024, 11, 1)
    params = {"area": "BE", "start": start.isoformat(), "end": end.isoformat()}
    body = (await client.get("/api/v1/forecast-accuracy", params=params)).json()
    pairs = _pairs(dataset, start, end)
    assert len(pairs) == 23 + 100  # hourly forecast on the spring day, quarter-hourly in autumn
    want = _accuracy(pairs)
    assert want["mape_points"] == 122  # the zero actual is skipped in MAPE only
    _check(body["overall"], want)
    # the hourly spring forecast met the mean of its four quarter-hours, not the :00 one
    assert body["overall"]["compared_resolutions"] == ["PT15M", "PT60M"]
    assert body["buckets"] == []
    daily = (
        await client.get(
            "/api/v1/forecast-accuracy",
            params={**params, "resolution": "P1D", "tz": "Europe/Brussels"},
        )
    ).json()
    _check(daily["overall"], want)
    assert [b["start"] for b in daily["buckets"]] == [
        "2024-03-31T00:00:00+01:00",
        "2024-10-27T00:00:00+02:00",
    ]
    days = ((local(2024, 3, 31), local(2024, 4, 1)), (local(2024, 10, 27), local(2024, 10, 28)))
    for bucket, (day, next_day) in zip(daily["buckets"], days, strict=True):
        _check(bucket, _accuracy(_pairs(dataset, day, next_day)))
    assert [b["compared_resolutions"] for b in daily["buckets"]] == [["PT60M"], ["PT15M"]]
    empty = (await client.get("/api/v1/forecast-accuracy", params={**params, "area": "FR"})).json()
    assert empty["overall"]["points"] == 0 and empty["overall"]["mae"] is None


async def test_latest_point_per_area(client: httpx.AsyncClient, dataset: Dataset) -> None:
    body = (
        await client.get(
            "/api/v1/energy-data/latest", params={"areas": "BE,FR,de_lu", "data_type": "actual"}
        )
    ).json()
    points = {p["area_code"]: p for p in body["points"]}
    assert set(points) == {"BE", "FR"}
    be_last = local(2024, 10, 28) - Q
    assert points["BE"]["timestamp"] == z(be_last)
    assert points["BE"]["quantity"] == float(dataset.points[("BE", "actual", "A04", be_last)])
    assert points["FR"]["timestamp"] == "2024-01-01T00:45:00Z"
    assert body["missing"] == [{"area_code": "DE_LU", "data_type": "actual"}]
    week = (
        await client.get(
            "/api/v1/energy-data/latest",
            params={"areas": "BE", "data_type": "week_ahead", "tz": "Europe/Brussels"},
        )
    ).json()
    assert [(p["business_type"], p["timestamp"]) for p in week["points"]] == [
        ("A60", "2024-04-02T00:00:00+02:00"),
        ("A61", "2024-04-02T00:00:00+02:00"),
    ]


async def test_areas_registry_with_what_is_stored(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/areas")).json()
    assert [a["code"] for a in body["areas"]] == [a.code for a in AREAS]
    be = next(a for a in body["areas"] if a["code"] == "BE")
    assert (be["eic"], be["tz"]) == ("10YBE----------2", "Europe/Brussels")
    assert {s["data_type"]: s["count"] for s in be["stored"]} == {
        "actual": 380,
        "day_ahead": 123,
        "week_ahead": 10,
    }
    actual = next(s for s in be["stored"] if s["data_type"] == "actual")
    assert (actual["first"], actual["last"]) == (z(local(2024, 3, 30)), z(local(2024, 10, 28) - Q))
    stored = (await client.get("/api/v1/areas", params={"stored_only": "true"})).json()
    assert [a["code"] for a in stored["areas"]] == [
        a.code for a in AREAS if a.code in {"BE", "FR", "NL"}
    ]
    assert BRUSSELS.key == be["tz"]


@pytest.fixture
async def spanish_generation(database: Database, client: httpx.AsyncClient) -> AsyncIterator[None]:
    """A day of ES generation: solar (A94) all day, wind onshore (A93) stopping at noon, pumped
    storage consuming (generation_consumption); removed afterwards."""
    day = datetime(2024, 6, 1, tzinfo=UTC)
    points = []
    for data_type, business_type, psr_type, hours in (
        ("generation", "A94", "B16", 24),
        ("generation", "A93", "B19", 12),
        ("generation_consumption", "A01", "B10", 24),
    ):
        meta = extra_meta(
            "ES", "es-generation-test", data_type=data_type, business_type=business_type,
            psr_type=psr_type, time_series_mrid=f"ts-{psr_type}",
        )  # fmt: skip
        points += [EnergyPoint(day + k * Q, Decimal(10 + k), meta) for k in range(hours * 4)]
    async with database.session() as session:
        await PointsRepository(session).upsert(points)
    try:
        yield
    finally:
        async with database.session() as session:
            await session.execute(text("DELETE FROM energy_data_points WHERE area_code = 'ES'"))
            await session.execute(
                text("DELETE FROM energy_series WHERE document_mrid = 'es-generation-test'")
            )


ES_NOON, ES_END = datetime(2024, 6, 1, 12, tzinfo=UTC), datetime(2024, 6, 2, tzinfo=UTC)


@pytest.mark.usefixtures("spanish_generation")
async def test_coverage_latest_and_areas_per_production_type(client: httpx.AsyncClient) -> None:
    body = (
        await client.get("/api/v1/coverage", params={"area": "ES", "data_type": "generation"})
    ).json()
    (item,) = body["items"]
    assert item["psr_types"] == ["B16", "B19"] and item["business_types"] == ["A93", "A94"]
    assert [(s["psr_type"], s["count"], s["expected"]) for s in item["series"]] == [
        ("B19", 48, 96),  # ordered by business type: A93 wind, A94 solar
        ("B16", 96, 96),
    ]
    assert item["gaps"] == [
        {
            "start": z(ES_NOON),
            "end": z(ES_END),
            "business_types": ["A93"],
            "psr_types": ["B19"],
            "missing": 48,
        }
    ]

    latest = (
        await client.get(
            "/api/v1/energy-data/latest",
            params={"areas": "ES", "data_type": "generation,generation_consumption"},
        )
    ).json()
    assert [(p["data_type"], p["psr_type"], p["timestamp"]) for p in latest["points"]] == [
        ("generation", "B16", z(ES_END - Q)),
        ("generation", "B19", z(ES_NOON - Q)),  # its own newest point
        ("generation_consumption", "B10", z(ES_END - Q)),
    ]
    assert latest["missing"] == []

    areas = (await client.get("/api/v1/areas", params={"stored_only": "true"})).json()
    es = next(a for a in areas["areas"] if a["code"] == "ES")
    assert es["stored"] == [
        {
            "data_type": "generation",
            "first": "2024-06-01T00:00:00Z",
            "last": z(ES_END - Q),
            "count": 96 + 48,
            "psr_types": ["B16", "B19"],
        },
        {
            "data_type": "generation_consumption",
            "first": "2024-06-01T00:00:00Z",
            "last": z(ES_END - Q),
            "count": 96,
            "psr_types": ["B10"],
        },
    ]
