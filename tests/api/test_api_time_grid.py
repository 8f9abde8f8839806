"""Expected-point arithmetic (UTC and local calendars), no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.services.coverage import bucket_count, bucket_floor, grid_count
from tests.api.support import BRUSSELS, local

UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("start", "end", "resolution", "n"),
    [
        (local(2024, 3, 31), local(2024, 4, 1), "PT15M", 92),
        (local(2024, 10, 27), local(2024, 10, 28), "PT15M", 100),
        (local(2024, 10, 27), local(2024, 10, 28), "PT60M", 25),
        (local(2024, 10, 27), local(2024, 10, 28), "PT30M", 50),
        (local(2024, 1, 1), local(2025, 1, 1), "P1D", 366),
        (local(2024, 1, 1), local(2025, 1, 1), "P1M", 12),
        (local(2024, 1, 1), local(2026, 1, 1), "P1Y", 2),
        (local(2024, 3, 25), local(2024, 4, 8), "P7D", 2),
        (local(2024, 1, 1), local(2024, 1, 1), "PT15M", 0),
    ],
)
def test_grid_count_through_the_start(
    start: datetime, end: datetime, resolution: str, n: int
) -> None:
    assert grid_count(start, start, end, resolution, BRUSSELS) == n


def test_grid_count_is_half_open_and_anchor_aligned() -> None:
    anchor = datetime(2024, 1, 1, 0, 5, tzinfo=UTC)  # a grid at :05, :20, :35, :50
    start = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)
    assert grid_count(anchor, start, start + timedelta(hours=1), "PT15M", UTC_ZONE) == 4
    assert grid_count(anchor, start, start + timedelta(minutes=5), "PT15M", UTC_ZONE) == 0
    assert (
        grid_count(anchor, start, start + timedelta(minutes=5, seconds=1), "PT15M", UTC_ZONE) == 1
    )
    # an anchor far after the range extends the grid backwards
    later = datetime(2030, 6, 1, tzinfo=UTC)
    assert grid_count(later, local(2024, 3, 31), local(2024, 4, 1), "PT15M", BRUSSELS) == 92
    assert (
        grid_count(local(2030, 6, 1), local(2024, 3, 30), local(2024, 4, 2), "P1D", BRUSSELS) == 3
    )
    with pytest.raises(ValueError, match="unknown resolution"):
        grid_count(start, start, later, "PT5M", UTC_ZONE)


def test_bucket_floor_in_local_calendars() -> None:
    t = datetime(2024, 3, 31, 12, 7, 30, tzinfo=UTC)  # 14:07:30 CEST, a Sunday
    assert bucket_floor(t, "PT15M", BRUSSELS) == datetime(2024, 3, 31, 12, 0, tzinfo=UTC)
    assert bucket_floor(t, "PT1H", BRUSSELS) == datetime(2024, 3, 31, 12, 0, tzinfo=UTC)
    assert bucket_floor(t, "P1D", BRUSSELS) == local(2024, 3, 31)  # 23:00Z the day before
    assert bucket_floor(t, "P7D", BRUSSELS) == local(2024, 3, 25)  # Monday
    assert bucket_floor(t, "P1M", BRUSSELS) == local(2024, 3, 1)
    # buckets overlapping [start, end): partial first and last days count
    start, end = local(2024, 3, 30, 12), local(2024, 4, 1, 1)
    assert bucket_count(start, end, "P1D", BRUSSELS) == 3
    assert bucket_count(start, end, "P1D", UTC_ZONE) == 2  # 30 and 31 March, UTC days
    assert bucket_count(local(2024, 10, 27), local(2024, 10, 28), "PT1H", BRUSSELS) == 25
