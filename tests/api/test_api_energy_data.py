"""GET /api/v1/energy-data and /load-data against the real database: exact values, every format.

Ground truth is the data set the fixture stored (tests/api/conftest.py); aggregates are
recomputed in Python from the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.support import BRUSSELS, HOLE, Dataset, local

pytestmark = pytest.mark.db

CSV_HEADER = "timestamp,area_code,data_type,business_type,psr_type,quantity,resolution"
Row = tuple[str, str, str, Any, str]  # timestamp, data_type, business_type, quantity, resolution


def iso(t: datetime) -> str:
    return t.isoformat()


def rendered(t: datetime, zone: ZoneInfo | None) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if zone is None else t.astimezone(zone).isoformat()


def decimal_text(q: Decimal) -> str:
    """The stored numeric without trailing zeros (what the CSV carries)."""
    return format(q.normalize(), "f")


def rows_of(response: httpx.Response, fmt: str) -> list[Row]:
    assert response.status_code == 200, response.text
    if fmt == "csv":
        lines = response.text.splitlines()
        assert lines[0] == CSV_HEADER
        out = []
        for line in lines[1:]:
            ts, _area, dt, bt, psr, q, res = line.split(",")
            assert psr == ""  # load has no production type
            out.append((ts, dt, bt, q, res))
        return out
    data = response.json()["data"]
    if fmt == "columnar":
        keys = ("timestamp", "data_type", "business_type", "quantity", "resolution")
        assert {len(data[k]) for k in keys} == {len(data["timestamp"])}
        return list(zip(*(data[k] for k in keys), strict=True))
    return [
        (r["timestamp"], r["data_type"], r["business_type"], r["quantity"], r["resolution"])
        for r in data
    ]


DST_DAYS = [
    pytest.param(local(2024, 3, 31), local(2024, 4, 1), 92, id="spring-92"),
    pytest.param(local(2024, 10, 27), local(2024, 10, 28), 100, id="autumn-100"),
]


@pytest.mark.parametrize("fmt", ["json", "columnar", "csv"])
@pytest.mark.parametrize("tz", [None, "Europe/Brussels"])
@pytest.mark.parametrize(("start", "end", "n"), DST_DAYS)
async def test_a_dst_day_comes_back_exactly_as_stored(
    client: httpx.AsyncClient,
    dataset: Dataset,
    fmt: str,
    tz: str | None,
    start: datetime,
    end: datetime,
    n: int,
) -> None:
    zone = ZoneInfo(tz) if tz else None
    params: dict[str, Any] = {
        "area": "BE",
        "start": iso(start.astimezone(BRUSSELS)),
        "end": iso(end),
        "format": fmt,
    }
    if tz:
        params["tz"] = tz
    response = await client.get("/api/v1/energy-data", params=params)
    got = rows_of(response, fmt)
    stored = dataset.rows("BE", "actual", start, end)
    assert len(stored) == n and len(got) == n
    for (ts, dt, bt, q, res), (s_ts, s_bt, s_q) in zip(got, stored, strict=True):
        assert ts == rendered(s_ts, zone)
        assert (dt, bt, res) == ("actual", s_bt, "PT15M")
        if fmt == "csv":
            assert q == decimal_text(s_q)
        else:
            assert q == float(s_q) and isinstance(q, float)
    if fmt == "csv":
        assert response.headers["content-type"].startswith("text/csv")
        # Spooled before it is sent (the connection is free by then), so its length is known.
        assert response.headers["content-length"] == str(len(response.content))
        assert response.headers["x-expected-points"] == str(n)
        assert response.headers["x-present-points"] == str(n)
        assert response.headers["x-unit"] == "MAW"
        return
    meta = response.json()
    assert (meta["expected_points"], meta["present_points"]) == (n, n)
    assert (meta["unit"], meta["resolution"], meta["sources"]) == ("MAW", "PT15M", ["entsoe"])
    assert meta["area"] == {
        "code": "BE",
        "eic": "10YBE----------2",
        "name": "Belgium",
        "tz": "Europe/Brussels",
    }
    spring = start.month == 3
    assert meta["revision_number"] == (2 if spring else 1)
    issued = (
        datetime(2024, 3, 31, 12, tzinfo=UTC) if spring else datetime(2024, 10, 27, 11, tzinfo=UTC)
    )
    assert meta["issued_at"] == rendered(issued, zone)
    assert meta["start"] == rendered(start, zone) and meta["end"] == rendered(end, zone)


async def test_eic_code_and_load_data_use_the_same_path(client: httpx.AsyncClient) -> None:
    start, end = local(2024, 3, 30), local(2024, 3, 31)
    by_code = await client.get(
        "/api/v1/energy-data", params={"area": "BE", "start": iso(start), "end": iso(end)}
    )
    by_eic = await client.get(
        "/api/v1/energy-data",
        params={
            "area": "10YBE----------2",
            "data_type": "actual",
            "start": iso(start),
            "end": iso(end),
        },
    )
    seed = await client.get(
        "/api/v1/load-data",
        params={"area_code": "be", "start_time": iso(start), "end_time": iso(end)},
    )
    assert by_code.status_code == by_eic.status_code == seed.status_code == 200
    assert by_code.json() == by_eic.json() == seed.json()
    body = by_code.json()
    # the hole: 96 quarter-hours expected on 2024-03-30, 92 present
    assert (body["expected_points"], body["present_points"]) == (96, 92)
    stamps = {r["timestamp"] for r in body["data"]}
    assert (
        rendered(HOLE[0], None) not in stamps
        and rendered(HOLE[0] - timedelta(minutes=15), None) in stamps
    )


async def test_ranges_are_half_open(client: httpx.AsyncClient) -> None:
    t = local(2024, 3, 31, 1, 45)
    q = timedelta(minutes=15)
    one = await client.get(
        "/api/v1/energy-data", params={"area": "BE", "start": iso(t), "end": iso(t + q)}
    )
    next_one = await client.get(
        "/api/v1/energy-data", params={"area": "BE", "start": iso(t + q), "end": iso(t + 2 * q)}
    )
    assert [r["timestamp"] for r in one.json()["data"]] == [rendered(t, None)]
    # 01:45 +01:00 is followed by 03:00 +02:00: the next quarter-hour in UTC
    assert [r["timestamp"] for r in next_one.json()["data"]] == [rendered(t + q, None)]
    assert rendered(t + q, BRUSSELS) == "2024-03-31T03:00:00+02:00"


@pytest.mark.parametrize("fmt", ["json", "columnar", "csv"])
async def test_empty_range_is_200_with_an_empty_series(client: httpx.AsyncClient, fmt: str) -> None:
    params = {
        "area": "BE",
        "start": "2023-06-01T00:00:00Z",
        "end": "2023-06-02T00:00:00Z",
        "format": fmt,
    }
    response = await client.get("/api/v1/energy-data", params=params)
    assert response.status_code == 200
    assert rows_of(response, fmt) == []
    if fmt == "csv":
        assert response.text == CSV_HEADER + "\n"
        assert response.headers["x-present-points"] == "0"
        assert response.headers["x-expected-points"] == "96"
        return
    body = response.json()
    # nothing in range, but the stored grid says 96 quarter-hours were due
    assert (body["present_points"], body["expected_points"]) == (0, 96)
    assert [
        (s["data_type"], s["present_points"], s["expected_points"]) for s in body["series"]
    ] == [("actual", 0, 96)]
    if fmt == "columnar":
        assert body["data"]["timestamp"] == [] and body["data"]["quantity"] == []


async def test_several_items_and_business_types(
    client: httpx.AsyncClient, dataset: Dataset
) -> None:
    start, end = local(2024, 3, 29), local(2024, 4, 3)
    response = await client.get(
        "/api/v1/energy-data",
        params=[
            ("area", "BE"),
            ("data_type", "week_ahead,day_ahead"),
            ("data_type", "actual"),
            ("start", iso(start)),
            ("end", iso(end)),
            ("format", "columnar"),
        ],
    )
    body = response.json()
    assert body["data_types"] == ["week_ahead", "day_ahead", "actual"]
    keys = [(s["data_type"], s["business_type"]) for s in body["series"]]
    assert keys == [
        ("week_ahead", "A60"),
        ("week_ahead", "A61"),
        ("day_ahead", "A04"),
        ("actual", "A04"),
    ]
    data = body["data"]
    got = list(
        zip(
            data["data_type"],
            data["business_type"],
            data["timestamp"],
            data["quantity"],
            strict=True,
        )
    )
    expected = [
        (dt, bt, rendered(ts, None), float(q))
        for dt in ("week_ahead", "day_ahead", "actual")
        for ts, bt, q in dataset.rows("BE", dt, start, end)
    ]
    assert got == expected
    week = body["series"][0]
    # local days 29 March .. 2 April: five P1D points, across the 23-hour day
    assert (week["resolution"], week["expected_points"], week["present_points"]) == ("P1D", 5, 5)
    only_max = await client.get(
        "/api/v1/energy-data",
        params={
            "area": "BE",
            "data_type": "week_ahead",
            "business_type": "A61",
            "start": iso(start),
            "end": iso(end),
        },
    )
    assert {r["business_type"] for r in only_max.json()["data"]} == {"A61"}
    assert len(only_max.json()["data"]) == 5


async def test_resolution_switch_expected_and_per_row_resolution(client: httpx.AsyncClient) -> None:
    params = {
        "area": "NL",
        "start": "2024-01-01T00:00:00Z",
        "end": "2024-01-03T00:00:00Z",
        "format": "columnar",
    }
    body = (await client.get("/api/v1/energy-data", params=params)).json()
    assert (body["expected_points"], body["present_points"]) == (24 + 96, 24 + 96)
    assert body["resolution"] is None
    assert body["series"][0]["native_resolutions"] == ["PT15M", "PT60M"]
    assert body["data"]["resolution"] == ["PT60M"] * 24 + ["PT15M"] * 96
    # a range starting before the data still expects the hourly grid from its start
    params["start"] = "2023-12-31T23:00:00Z"
    assert (await client.get("/api/v1/energy-data", params=params)).json()["expected_points"] == 121


def _python_buckets(
    rows: list[tuple[datetime, str, Decimal]], bucket_of: Any
) -> dict[datetime, list[Decimal]]:
    out: dict[datetime, list[Decimal]] = defaultdict(list)
    for ts, _bt, q in rows:
        out[bucket_of(ts)].append(q)
    return dict(sorted(out.items()))


def _agg(values: list[Decimal], agg: str) -> float:
    if agg == "mean":
        return float(sum(values) / len(values))
    return float({"min": min, "max": max, "sum": sum}[agg](values))


def _local_midnight(ts: datetime) -> datetime:
    return datetime.combine(
        ts.astimezone(BRUSSELS).date(), datetime.min.time(), BRUSSELS
    ).astimezone(UTC)


@pytest.mark.parametrize("agg", ["mean", "min", "max", "sum"])
@pytest.mark.parametrize("tz", [None, "Europe/Brussels"])
async def test_daily_aggregates_follow_local_days(
    client: httpx.AsyncClient, dataset: Dataset, agg: str, tz: str | None
) -> None:
    start, end = local(2024, 3, 30), local(2024, 4, 1)
    params = {"area": "BE", "start": iso(start), "end": iso(end), "resolution": "P1D", "agg": agg}
    if tz:
        params["tz"] = tz
    body = (await client.get("/api/v1/energy-data", params=params)).json()
    expected = _python_buckets(dataset.rows("BE", "actual", start, end), _local_midnight)
    zone = ZoneInfo(tz) if tz else None
    assert [r["timestamp"] for r in body["data"]] == [rendered(b, zone) for b in expected]
    assert [r["points"] for r in body["data"]] == [92, 92]  # hole on the 30th; 23-hour 31st
    # each bucket's own expected native points: the hole shows, the 23-hour day does not
    assert [r["expected_points"] for r in body["data"]] == [96, 92]
    assert [r["partial"] for r in body["data"]] == [False, False]
    for record, values in zip(body["data"], expected.values(), strict=True):
        assert record["quantity"] == pytest.approx(_agg(values, agg), rel=1e-15, abs=0)
        assert record["resolution"] == "P1D"
    # expected vs present in native points (quarter-hours), not buckets
    assert (body["resolution"], body["agg"], body["expected_points"], body["present_points"]) == (
        "P1D",
        agg,
        96 + 92,
        92 + 92,
    )
    csv = await client.get("/api/v1/energy-data", params={**params, "format": "csv"})
    lines = csv.text.splitlines()
    assert lines[0] == CSV_HEADER + ",points,expected_points,partial"
    assert [float(line.split(",")[5]) for line in lines[1:]] == [
        r["quantity"] for r in body["data"]
    ]
    assert [line.split(",")[7:] for line in lines[1:]] == [
        ["92", "96", "false"],
        ["92", "92", "false"],
    ]
    assert (csv.headers["x-present-points"], csv.headers["x-expected-points"]) == ("184", "188")
    assert csv.headers["x-point-counts"].startswith("native points")


async def test_hourly_weekly_monthly_buckets(client: httpx.AsyncClient, dataset: Dataset) -> None:
    start, end = local(2024, 10, 27), local(2024, 10, 28)
    hourly = (
        await client.get(
            "/api/v1/energy-data",
            params={
                "area": "BE",
                "start": iso(start),
                "end": iso(end),
                "resolution": "PT1H",
                "agg": "sum",
                "format": "columnar",
            },
        )
    ).json()
    expected = _python_buckets(
        dataset.rows("BE", "actual", start, end), lambda t: t.replace(minute=0)
    )
    assert len(expected) == 25  # the 25-hour day
    assert hourly["data"]["timestamp"] == [rendered(b, None) for b in expected]
    assert hourly["data"]["quantity"] == [float(sum(v)) for v in expected.values()]
    assert hourly["data"]["points"] == [4] * 25
    weekly = (
        await client.get(
            "/api/v1/energy-data",
            params={
                "area": "BE",
                "start": iso(local(2024, 3, 30)),
                "end": iso(local(2024, 4, 1)),
                "resolution": "P7D",
                "agg": "max",
                "tz": "Europe/Brussels",
            },
        )
    ).json()
    # one ISO week (Monday 25 March, local midnight); the range touches one bucket
    assert [r["timestamp"] for r in weekly["data"]] == ["2024-03-25T00:00:00+01:00"]
    all_rows = dataset.rows("BE", "actual", local(2024, 3, 30), local(2024, 4, 1))
    assert weekly["data"][0]["quantity"] == float(max(q for _, _, q in all_rows))
    monthly = (
        await client.get(
            "/api/v1/energy-data",
            params={
                "area": "BE",
                "start": "2024-01-01T00:00:00+01:00",
                "end": "2025-01-01T00:00:00+01:00",
                "resolution": "P1M",
                "agg": "mean",
            },
        )
    ).json()
    assert [r["timestamp"] for r in monthly["data"]] == [
        "2024-02-29T23:00:00Z",
        "2024-09-30T22:00:00Z",
    ]
    # a leap year of quarter-hours expected; March (one hour short) and October (one hour long)
    assert (monthly["expected_points"], monthly["present_points"]) == (366 * 96, 380)
    assert [(r["points"], r["expected_points"]) for r in monthly["data"]] == [
        (184, (31 * 24 - 1) * 4),
        (196, (31 * 24 + 1) * 4),
    ]
