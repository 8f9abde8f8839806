"""SandboxConfig: validation, clocks, per-area resolutions and first dates, window limits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.entsoe.items import ITEMS, DataType
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
        ({"max_windows": {DataType.ACTUAL: timedelta(0)}}, "max_windows must be positive"),
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


def test_window_limits_default_to_the_clients_and_can_be_overridden() -> None:
    default = SandboxConfig(now=NOW)
    assert dict(default.max_windows) == {dt: item.max_window for dt, item in ITEMS.items()}
    week = SandboxConfig(now=NOW, max_windows={"actual": timedelta(days=7)})
    assert week.max_windows[DataType.ACTUAL] == timedelta(days=7)
    assert week.max_windows[DataType.DAY_AHEAD] == ITEMS[DataType.DAY_AHEAD].max_window
    eight_days = (utc("2025-10-01T00:00"), utc("2025-10-09T00:00"))
    assert ask(default, "CZ", DataType.ACTUAL, *eight_days).status == 200
    assert ask(week, "CZ", DataType.ACTUAL, *eight_days).status == 400
    assert ask(week, "CZ", DataType.DAY_AHEAD, *eight_days).status == 200
