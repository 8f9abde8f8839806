"""Every sandbox reply decodes with our processor into exactly what the sandbox says it holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from app.entsoe.areas import get_area
from app.entsoe.items import ITEMS, DataType
from app.sandbox import DATA_SOURCE, SandboxConfig, SandboxServer, expected_points, reply_window
from app.sandbox.generation_mix import capacity, types_in_year, types_on
from app.sandbox.generator import gap_hours
from tests.sandbox.support import NOW, ask, of_type, params, point_tuples, rows, utc

AREAS = ("DE_LU", "CZ", "BE", "PL", "NL")
WINDOW = (utc("2025-09-20T00:00"), utc("2025-10-10T00:00"))  # across CZ's PT60M -> PT15M switch


def _check(config: SandboxConfig, area: str, data_type: DataType, start: datetime, end: datetime):
    """The rows of ``data_type`` in the reply, checked against what the sandbox says it holds
    (an A75 or A71 reply also holds the other direction's data type)."""
    reply = ask(config, area, data_type, start, end)
    assert reply.status == 200 and reply.is_document, reply.body[:600]
    every = rows(reply.body)
    assert len(every) == reply.points > 0
    got = of_type(every, data_type)
    expected = expected_points(area, data_type, start, end, config=config)
    assert point_tuples(got) == sorted(expected)
    request = ITEMS[data_type].request
    assert {p.meta.data_type for p in every} <= {t for t in DataType if ITEMS[t].request == request}
    for p in every:
        assert p.meta.area_code == area
        assert p.meta.data_source == DATA_SOURCE
        assert p.meta.curve_type == config.curve_type
        assert p.meta.unit == "MAW"
    return got


# Generation items: businessTypes and production types the sandbox publishes in these areas.
_WIND_SOLAR = {("A94", "B16"), ("A93", "B18"), ("A93", "B19")}
GENERATION_SERIES = {
    DataType.GENERATION: lambda area: {("A01", t) for t in types_on(area, WINDOW[0].date())},
    DataType.GENERATION_CONSUMPTION: lambda area: {("A01", "B10")} & _pumped(area),
    DataType.GENERATION_FORECAST: lambda area: {("A01", "")},
    DataType.CONSUMPTION_FORECAST: lambda area: {("A01", "")} if _pumped(area) else set(),
    DataType.WIND_SOLAR_DAY_AHEAD: lambda area: _wind_solar(area),
    DataType.WIND_SOLAR_INTRADAY: lambda area: _wind_solar(area),
    DataType.WIND_SOLAR_CURRENT: lambda area: _wind_solar(area),
    DataType.INSTALLED_CAPACITY: lambda area: {("A37", t) for t in types_in_year(area, 2025)},
}


def _pumped(area: str) -> set[tuple[str, str]]:
    return {("A01", "B10")} if capacity(area, "B10", 2025) > 0 else set()


def _wind_solar(area: str) -> set[tuple[str, str]]:
    return {(bt, t) for bt, t in _WIND_SOLAR if capacity(area, t, 2025) > 0}


@pytest.mark.parametrize("curve_type", ["A01", "A03"])
@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize("data_type", list(DataType))
def test_every_item_round_trips(data_type: DataType, area: str, curve_type: str) -> None:
    config = SandboxConfig(now=NOW, curve_type=curve_type, gap_share=0.002, revision_share=0.02)
    got = _check(config, area, data_type, *WINDOW)
    if data_type in GENERATION_SERIES:
        series = GENERATION_SERIES[data_type](area)
        assert {(p.meta.business_type, p.meta.psr_type) for p in got} == series
        assert series or not got  # NL has no pumped storage: no consumption series
    else:
        assert {p.meta.business_type for p in got} == set(ITEMS[data_type].business_types)


def test_a03_leaves_out_repeated_values_and_the_processor_restores_them() -> None:
    a01 = ask(SandboxConfig(now=NOW, curve_type="A01"), "DE_LU", DataType.ACTUAL, *WINDOW)
    a03 = ask(SandboxConfig(now=NOW, curve_type="A03"), "DE_LU", DataType.ACTUAL, *WINDOW)
    assert a03.body.count(b"<Point>") < a01.body.count(b"<Point>") == a01.points
    assert point_tuples(rows(a03.body)) == point_tuples(rows(a01.body))


@pytest.mark.parametrize(
    ("area", "day", "hours"),
    [
        ("BE", "2024-03-31", 23),
        ("BE", "2024-10-27", 25),
        ("CZ", "2024-03-31", 23),
        ("CZ", "2024-10-27", 25),
        ("DE_LU", "2024-10-27", 25),
    ],
)
@pytest.mark.parametrize("curve_type", ["A01", "A03"])
def test_dst_days_have_23_or_25_hours(area: str, day: str, hours: int, curve_type: str) -> None:
    config = SandboxConfig(now=NOW, curve_type=curve_type, gap_share=0.0)
    zone = get_area(area).zone
    start = datetime.fromisoformat(day).replace(tzinfo=zone).astimezone(UTC)
    end = (datetime.fromisoformat(day) + timedelta(days=1)).replace(tzinfo=zone).astimezone(UTC)
    assert end - start == timedelta(hours=hours)
    per_hour = 4 if config.resolution_minutes(area, start.date()) == 15 else 1
    for data_type in (DataType.ACTUAL, DataType.DAY_AHEAD):
        got = _check(config, area, data_type, start, end)
        assert len(got) == hours * per_hour
        assert sorted(p.timestamp for p in got)[0] == start


def test_cz_switches_from_pt60m_to_pt15m_with_two_periods_in_one_reply() -> None:
    config = SandboxConfig(now=NOW, gap_share=0.0)
    start, end = utc("2025-09-29T22:00"), utc("2025-10-02T22:00")  # 30 Sep .. 2 Oct local
    reply = ask(config, "CZ", DataType.ACTUAL, start, end)
    assert reply.body.count(b"<TimeSeries>") == 1
    assert reply.body.count(b"<Period>") == 2
    got = _check(config, "CZ", DataType.ACTUAL, start, end)
    by_resolution = {r: [p for p in got if p.meta.resolution == r] for r in ("PT60M", "PT15M")}
    assert len(by_resolution["PT60M"]) == 24 and len(by_resolution["PT15M"]) == 2 * 96
    assert min(p.timestamp for p in by_resolution["PT15M"]) == utc("2025-09-30T22:00")
    later = SandboxConfig(now=NOW, resolution_switches={"CZ": date(2025, 10, 2)})
    assert ask(later, "CZ", DataType.ACTUAL, start, end).points == 2 * 24 + 96


def test_gaps_split_the_actual_series_and_stay_gaps() -> None:
    config = SandboxConfig(now=NOW, gap_share=0.01, revision_share=0.0)
    start, end = utc("2024-02-04T23:00"), utc("2024-03-03T23:00")  # 28 whole local days
    missing = {h for h in gap_hours(0, "DE_LU", 2024, 0.01) if start.timestamp() <= h * 3600}
    missing = {h for h in missing if h * 3600 < end.timestamp()}
    assert missing, "the seed should put gaps in this window"
    reply = ask(config, "DE_LU", DataType.ACTUAL, start, end)
    got = _check(config, "DE_LU", DataType.ACTUAL, start, end)
    assert len(got) == 28 * 96 - 4 * len(missing)
    assert not {int(p.timestamp.timestamp()) // 3600 for p in got} & missing
    runs = len(missing) - sum(1 for h in missing if h - 1 in missing) + 1
    assert reply.body.count(b"<TimeSeries>") == runs
    no_gaps = SandboxConfig(now=NOW, gap_share=0.0, revision_share=0.0)
    assert ask(no_gaps, "DE_LU", DataType.ACTUAL, start, end).points == 28 * 96


def test_values_are_realistic() -> None:
    config = SandboxConfig(now=NOW)
    year = (utc("2024-01-01T00:00"), utc("2024-01-29T00:00"))
    de = [p.quantity for p in expected_points("DE_LU", "actual", *year, config=config)]
    cz = [p.quantity for p in expected_points("CZ", "actual", *year, config=config)]
    assert Decimal(35000) < min(de) < max(de) < Decimal(80000)
    assert Decimal(4000) < min(cz) < max(cz) < Decimal(12000)
    assert all(-int(q.as_tuple().exponent) <= 2 for q in [*de, *cz])  # MW, two decimals at most
    # 1 May (a holiday, Wednesday) is lower than the Wednesday before.
    holiday = expected_points(
        "DE_LU", "actual", utc("2024-05-01T00:00"), utc("2024-05-01T20:00"), config=config
    )
    workday = expected_points(
        "DE_LU", "actual", utc("2024-04-24T00:00"), utc("2024-04-24T20:00"), config=config
    )
    assert sum(p.quantity for p in holiday) < Decimal("0.9") * sum(p.quantity for p in workday)
    # Day-ahead is the actual plus a few per cent of error, never a copy.
    da = expected_points("DE_LU", "day_ahead", *year, config=config)
    actual = {
        p.timestamp: p.quantity for p in expected_points("DE_LU", "actual", *year, config=config)
    }
    errors = [abs(p.quantity / actual[p.timestamp] - 1) for p in da if p.timestamp in actual]
    assert 0 < sum(errors) / len(errors) < Decimal("0.06")
    # Forecast bands: min below max, one margin point a year.
    week = expected_points("DE_LU", "week_ahead", *year, config=config)
    lows = {p.timestamp: p.quantity for p in week if p.business_type == "A60"}
    highs = {p.timestamp: p.quantity for p in week if p.business_type == "A61"}
    assert lows.keys() == highs.keys() and all(lows[t] < highs[t] for t in lows)
    margin = expected_points("DE_LU", "forecast_margin", *year, config=config)
    assert [(p.timestamp, p.resolution) for p in margin] == [(utc("2023-12-31T23:00"), "P1Y")]


def test_replies_over_loopback_http_decode(sandbox: SandboxServer) -> None:
    with httpx.Client() as client:
        for data_type in DataType:
            start, end = utc("2024-03-25T00:00"), utc("2024-04-05T00:00")
            response = client.get(sandbox.base_url, params=params("BE", data_type, start, end))
            assert response.status_code == 200
            expected = expected_points("BE", data_type, start, end, config=sandbox.config)
            assert expected
            assert point_tuples(of_type(rows(response.content), data_type)) == sorted(expected)


def test_pt_replies_cover_the_request_and_forecasts_their_grid() -> None:
    config = SandboxConfig(now=NOW)
    start, end = utc("2024-09-02T05:00"), utc("2024-09-02T06:00")
    for data_type in ("actual", "day_ahead"):
        assert reply_window("NL", data_type, start, end) == (start, end)
        points = expected_points("NL", data_type, start, end, config=config)
        assert [p.timestamp for p in points] == [
            start + timedelta(minutes=m) for m in (0, 15, 30, 45)
        ]
        assert all(p.timestamp.tzinfo is UTC for p in points)
    assert reply_window("NL", "week_ahead", start, end) == (
        utc("2024-09-01T22:00"),
        utc("2024-09-02T22:00"),
    )
    assert reply_window("NL", "month_ahead", start, end) == (
        utc("2024-09-01T22:00"),
        utc("2024-09-08T22:00"),
    )
    assert reply_window("NL", "forecast_margin", start, end) == (
        utc("2023-12-31T23:00"),
        utc("2024-12-31T23:00"),
    )
