"""Generation values are realistic: the sun, wind persistence, flat nuclear with outages, pumped
storage both ways, forecasts closer to the actual the later they are, capacity above output."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from statistics import mean

import pytest

from app.entsoe.areas import get_area
from app.sandbox import ExpectedPoint, SandboxConfig, expected_points, expected_reply
from app.sandbox.generation_mix import capacity, types_in_year
from tests.sandbox.support import NOW, utc

CONFIG = SandboxConfig(now=NOW, gap_share=0.0, revision_share=0.0)


def _series(
    area: str, data_type: str, start: datetime, end: datetime
) -> dict[str, list[ExpectedPoint]]:
    out: dict[str, list[ExpectedPoint]] = defaultdict(list)
    for p in expected_points(area, data_type, start, end, config=CONFIG):
        out[p.psr_type].append(p)
    return out


def _local_hour(area: str, p: ExpectedPoint) -> float:
    wall = p.timestamp.astimezone(get_area(area).zone)
    return wall.hour + wall.minute / 60


def test_solar_is_zero_at_night_and_follows_the_seasons() -> None:
    june = _series("DE_LU", "generation", utc("2024-06-14T22:00"), utc("2024-06-15T22:00"))["B16"]
    december = _series("DE_LU", "generation", utc("2024-12-14T23:00"), utc("2024-12-15T23:00"))
    winter = december["B16"]
    assert len(june) == len(winter) == 96
    for day in (june, winter):
        night = [
            p.quantity for p in day if _local_hour("DE_LU", p) < 3 or _local_hour("DE_LU", p) >= 23
        ]
        assert night and set(night) == {Decimal(0)}
        noon = max(day, key=lambda p: p.quantity)
        assert 11 <= _local_hour("DE_LU", noon) <= 15  # 12:00-13:30 solar time in CET/CEST

    def daylight(day: list[ExpectedPoint]) -> int:
        return sum(1 for p in day if p.quantity > 0)

    assert daylight(june) > daylight(winter) + 24  # six hours longer days
    assert max(p.quantity for p in june) > 3 * max(p.quantity for p in winter)
    # Spain lies further west: its solar noon comes about an hour later in UTC.
    es = _series("ES", "generation", utc("2024-06-14T22:00"), utc("2024-06-15T22:00"))["B16"]
    assert timedelta(minutes=30) < _centre(es) - _centre(june) < timedelta(minutes=90)


def _centre(day: list[ExpectedPoint]) -> timedelta:
    """The output-weighted mean time (of interval midpoints) after the first interval's start."""
    step = timedelta(minutes=60 if day[0].resolution == "PT60M" else 15)
    total = sum(p.quantity for p in day)
    weighted = sum(
        Decimal((p.timestamp + step / 2 - day[0].timestamp).total_seconds()) * p.quantity
        for p in day
    )
    return timedelta(seconds=float(weighted / total))


def test_pumped_storage_generates_at_the_peaks_and_pumps_at_night() -> None:
    window = (utc("2024-03-04T23:00"), utc("2024-03-11T23:00"))  # one week, CET
    generating = _series("DE_LU", "generation", *window)["B10"]
    pumping = _series("DE_LU", "generation_consumption", *window)["B10"]
    assert len(generating) == len(pumping) == 7 * 96
    night = [
        (g, c) for g, c in zip(generating, pumping, strict=True) if 1 <= _local_hour("DE_LU", g) < 4
    ]
    evening = [
        (g, c)
        for g, c in zip(generating, pumping, strict=True)
        if 18 <= _local_hour("DE_LU", g) < 21
    ]
    assert all(g.quantity == 0 and c.quantity > 0 for g, c in night)
    assert all(g.quantity > 0 and c.quantity == 0 for g, c in evening)
    # Pumping takes more energy than generating gives back.
    assert sum(p.quantity for p in pumping) > sum(p.quantity for p in generating) > 0


@pytest.mark.parametrize("area", ["DE_LU", "FR", "NL", "PL"])
def test_installed_capacity_covers_the_years_actual_maximum_with_a_realistic_margin(
    area: str,
) -> None:
    year = (utc("2023-12-31T23:00"), utc("2024-12-31T23:00"))  # 2024 in CET, all four areas
    installed = {
        p.psr_type: p for p in expected_points(area, "installed_capacity", *year, config=CONFIG)
    }
    assert {p.resolution for p in installed.values()} == {"P1Y"}
    assert {p.timestamp for p in installed.values()} == {year[0]}  # local 1 January
    # The year's maximum per series, read from the reply's Periods (a year of points as
    # ExpectedPoints would take seconds).
    tops: dict[tuple[str, str], Decimal] = {}
    for series in expected_reply(area, "generation", *year, config=CONFIG).series:
        top = max(Decimal(q) for period in series.periods for q in period.quantities)
        key = (series.direction, series.psr_type)
        tops[key] = max(top, tops.get(key, top))
    assert {psr for _, psr in tops} == set(installed) == set(types_in_year(area, 2024))
    for (direction, psr), top in tops.items():
        assert top <= installed[psr].quantity, psr
        if direction == "in" and installed[psr].quantity >= 100:  # small fleets: coarse MW
            assert top >= Decimal("0.25") * installed[psr].quantity, psr  # a real peak
    assert (("out", "B10") in tops) == (capacity(area, "B10", 2024) > 0)


def test_german_nuclear_ends_on_15_april_2023() -> None:
    last_days = _series("DE_LU", "generation", utc("2023-04-13T22:00"), utc("2023-04-16T22:00"))
    nuclear = last_days["B14"]
    assert (
        nuclear[-1].timestamp == utc("2023-04-15T21:45") and min(p.quantity for p in nuclear) > 3000
    )
    assert len(last_days["B16"]) == 3 * 96
    years = (utc("2022-12-31T23:00"), utc("2024-12-31T23:00"))
    published = expected_points("DE_LU", "installed_capacity", *years, config=CONFIG)
    installed = {(p.timestamp.year, p.psr_type): p.quantity for p in published}
    assert installed[(2022, "B14")] > 3000  # the year 2023 starts at 2022-12-31T23:00Z
    assert (2023, "B14") not in installed and (2023, "B16") in installed


def test_nuclear_runs_flat_with_outages() -> None:
    year = expected_points(
        "FR",
        "generation",
        utc("2023-12-31T23:00"),
        utc("2024-12-31T23:00"),
        config=CONFIG,
        psr_type="B14",
    )
    days: dict[object, list[Decimal]] = defaultdict(list)
    for p in year:
        days[p.timestamp.astimezone(get_area("FR").zone).date()].append(p.quantity)
    spreads = [(max(v) - min(v)) / max(v) for v in days.values()]
    assert mean(spreads) < 0.02  # flat within a day
    levels = [mean(v) for v in days.values()]
    assert min(levels) < Decimal("0.85") * max(levels)  # units out for refuelling
    assert 0.6 < float(mean(levels)) / capacity("FR", "B14", 2024) < 0.95


def _autocorrelation(values: list[float]) -> float:
    m = mean(values)
    num = sum((a - m) * (b - m) for a, b in pairwise(values))
    return num / sum((a - m) ** 2 for a in values)


def test_wind_persists_and_forecasts_get_better_the_later_they_are() -> None:
    window = (utc("2024-10-01T00:00"), utc("2024-11-01T00:00"))
    actual = {p.timestamp: float(p.quantity) for p in _series("NL", "generation", *window)["B19"]}
    hourly = [v for t, v in sorted(actual.items()) if t.minute == 0]
    assert _autocorrelation(hourly) > 0.9
    assert max(hourly) > 3 * min(hourly) + 100  # calm and storm
    errors = []
    for data_type in ("wind_solar_day_ahead", "wind_solar_intraday", "wind_solar_current"):
        forecast = _series("NL", data_type, *window)["B19"]
        assert {p.business_type for p in forecast} == {"A93"}
        errors.append(mean(abs(float(p.quantity) - actual[p.timestamp]) for p in forecast))
    assert errors[0] > errors[1] > errors[2] > 0


def test_generation_forecast_is_about_the_sum_of_the_types() -> None:
    day = (utc("2024-09-01T22:00"), utc("2024-09-02T22:00"))
    totals: dict[datetime, Decimal] = defaultdict(Decimal)
    for points in _series("DE_LU", "generation", *day).values():
        for p in points:
            totals[p.timestamp] += p.quantity
    forecast = expected_points("DE_LU", "generation_forecast", *day, config=CONFIG)
    assert len(forecast) == 96 and {p.psr_type for p in forecast} == {""}
    ratios = [float(p.quantity / totals[p.timestamp]) for p in forecast]
    assert min(ratios) > 0.9 and max(ratios) < 1.1 and len(set(ratios)) > 1
    assert any(p.quantity.as_tuple().exponent == -2 for p in forecast)  # MW with two decimals
    planned = expected_points("DE_LU", "consumption_forecast", *day, config=CONFIG)
    assert len(planned) == 96 and 0 < max(p.quantity for p in planned) < 10_000  # pumping only
    assert expected_points("NL", "consumption_forecast", *day, config=CONFIG) == []
    assert all(p.timestamp.tzinfo is UTC for p in planned)
