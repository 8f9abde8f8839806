"""SandboxConfig: validation, clocks, per-area resolutions and first dates, window limits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.entsoe.items import DataType
from app.sandbox import ManualClock, SandboxConfig
from tests.sandbox.support import NOW, ask, utc


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fail_503_share": 1.2}, "fail_503_share must be between 0 and 1"),
        ({"gap_share": -0.1}, "gap_share must be between 0 and 1"),
        ({"fail_503_share": 0.5, "truncate_share": 0.6}, "must not exceed 1"),
        ({"curve_type": "A02"}, "curve_type must be A01 or A03"),
        ({"tokens": ()}, "at least one non-empty token"),
        ({"now": datetime(2024, 1, 1)}, "now must be timezone-aware"),  # noqa: DTZ001
        ({"revision_delay": timedelta(0)}, "revision_delay must be positive"),
        ({"max_periods": {DataType.ACTUAL: "P5W"}}, "max_periods must be one of"),
        ({"burst_429": -1}, "burst_429 must not be negative"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxConfig(**kwargs)  # type: ignore[arg-type]


def test_clocks() -> None:
    clock = ManualClock(utc("2024-01-01T00:00"))
    config = SandboxConfig(clock=clock)
    assert config.current_time() == utc("2024-01-01T00:00")
    clock.advance(timedelta(hours=5))
    assert config.current_time() == utc("2024-01-01T05:00")
    assert SandboxConfig(now=NOW, clock=clock).current_time() == NOW
    with pytest.raises(ValueError, match="clock"):
        SandboxConfig(clock=lambda: datetime(2024, 1, 1)).current_time()  # noqa: DTZ001


def test_resolutions_and_first_dates_per_area() -> None:
    config = SandboxConfig(now=NOW)
    assert config.resolution_minutes("DE_LU", date(2016, 1, 1)) == 15
    assert config.resolution_minutes("PL", date(2025, 12, 1)) == 60
    assert config.resolution_minutes("CZ", date(2025, 9, 30)) == 60
    assert config.resolution_minutes("CZ", date(2025, 10, 1)) == 15
    custom = SandboxConfig(
        now=NOW,
        quarter_hour_areas=frozenset({"PL"}),
        resolution_switches={"SK": date(2024, 1, 1)},
        first_dates={"SK": date(2023, 1, 1)},
    )
    assert custom.resolution_minutes("PL", date(2020, 1, 1)) == 15
    assert custom.resolution_minutes("DE_LU", date(2020, 1, 1)) == 60
    assert custom.resolution_minutes("CZ", date(2025, 12, 1)) == 60
    window = (utc("2023-12-30T23:00"), utc("2024-01-01T23:00"))  # 31 Dec 2023 and 1 Jan 2024
    assert ask(custom, "SK", DataType.ACTUAL, *window).points == 24 + 96
    assert (custom.first_date("SK"), custom.first_date("CZ")) == (
        date(2023, 1, 1),
        date(2015, 1, 1),
    )


def test_window_limits_default_to_the_platforms_and_can_be_overridden() -> None:
    default = SandboxConfig(now=NOW)
    assert dict(default.max_periods) == {
        DataType.ACTUAL: "P1M",
        DataType.DAY_AHEAD: "P1M",
        DataType.WEEK_AHEAD: "P1Y",
        DataType.MONTH_AHEAD: "P1Y",
        DataType.YEAR_AHEAD: "P1Y",
        DataType.FORECAST_MARGIN: "P1Y",
        DataType.GENERATION: "P1M",
        DataType.GENERATION_FORECAST: "P1Y",
        DataType.WIND_SOLAR_DAY_AHEAD: "P1Y",
        DataType.WIND_SOLAR_INTRADAY: "P1Y",
        DataType.WIND_SOLAR_CURRENT: "P1Y",
        DataType.INSTALLED_CAPACITY: "P1Y",
    }
    week = SandboxConfig(now=NOW, max_periods={"actual": "P7D"})
    assert week.max_periods[DataType.ACTUAL] == "P7D"
    assert week.max_periods[DataType.DAY_AHEAD] == "P1M"
    eight_days = (utc("2025-10-01T00:00"), utc("2025-10-09T00:00"))
    assert ask(default, "CZ", DataType.ACTUAL, *eight_days).status == 200
    assert ask(week, "CZ", DataType.ACTUAL, *eight_days).status == 400
    assert ask(week, "CZ", DataType.DAY_AHEAD, *eight_days).status == 200
