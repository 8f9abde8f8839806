"""Steps, grids and buckets in UTC and local calendars, with the DST days that break naive math."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.timegrid import (
    BUCKET_RESOLUTIONS,
    RESOLUTIONS,
    add_months,
    boundaries,
    bucket_count,
    bucket_floor,
    grid_count,
    grid_instants,
)

PRAGUE = ZoneInfo("Europe/Prague")
LISBON = ZoneInfo("Europe/Lisbon")
BRUSSELS = ZoneInfo("Europe/Brussels")
UTC_ZONE = ZoneInfo("UTC")
H = timedelta(hours=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(*args: int) -> datetime:
    """A Brussels wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=BRUSSELS).astimezone(UTC)  # type: ignore[misc]


def starts(start: datetime, end: datetime, resolution: str, zone: ZoneInfo) -> list[datetime]:
    """UTC starts of the intervals beginning in [start, end)."""
    return boundaries(start, end, resolution, zone)[:-1]


def lengths(instants: list[datetime]) -> list[timedelta]:
    return [b - a for a, b in itertools.pairwise(instants)]


# -- boundaries: the grid through a start ----------------------------------------------------


def test_hourly_local_days_have_23_24_and_25_hours() -> None:
    def hours(day: str) -> int:
        start = datetime.fromisoformat(day).replace(tzinfo=PRAGUE)
        return len(starts(start, start + timedelta(days=1), "PT60M", PRAGUE))

    # end is computed as aware + 1 day, i.e. wall-clock next midnight
    assert [hours("2024-03-31"), hours("2024-04-01"), hours("2024-10-27")] == [23, 24, 25]


def test_quarter_hours_on_dst_days_are_92_and_100() -> None:
    spring = starts(utc("2024-03-30T23:00"), utc("2024-03-31T22:00"), "PT15M", PRAGUE)
    autumn = starts(utc("2024-10-26T22:00"), utc("2024-10-27T23:00"), "PT15M", PRAGUE)
    assert (len(spring), len(autumn)) == (92, 100)
    assert spring[-1] == utc("2024-03-31T21:45")
    # the same days in Brussels, listed and counted on the grid
    for first, stop, n in ((local(2024, 3, 31), local(2024, 4, 1), 92),
                           (local(2024, 10, 27), local(2024, 10, 28), 100)):  # fmt: skip
        assert len(starts(first, stop, "PT15M", BRUSSELS)) == n
        assert grid_count(first, first, stop, "PT15M", BRUSSELS) == n


def test_sub_daily_steps_ignore_the_zone() -> None:
    a = starts(utc("2024-10-27T00:00"), utc("2024-10-27T03:00"), "PT30M", PRAGUE)
    assert a == [utc("2024-10-27T00:00") + k * timedelta(minutes=30) for k in range(6)]
    assert starts(utc("2024-10-27T00:00"), utc("2024-10-27T03:00"), "PT1H", PRAGUE) == [
        utc("2024-10-27T00:00"), utc("2024-10-27T01:00"), utc("2024-10-27T02:00")]  # fmt: skip


def test_daily_steps_follow_local_midnight() -> None:
    days = starts(utc("2024-03-29T23:00"), utc("2024-04-01T22:00"), "P1D", PRAGUE)
    assert days == [utc("2024-03-29T23:00"), utc("2024-03-30T23:00"), utc("2024-03-31T22:00")]


def test_a_p1d_grid_has_a_23_hour_spring_day_and_a_25_hour_autumn_day_in_brussels() -> None:
    spring = boundaries(local(2024, 3, 30), local(2024, 4, 2), "P1D", BRUSSELS)
    assert spring == [local(2024, 3, 30), local(2024, 3, 31), local(2024, 4, 1), local(2024, 4, 2)]
    assert lengths(spring) == [24 * H, 23 * H, 24 * H]
    # a grid anchored months away lands on the same local midnights
    autumn = grid_instants(local(2024, 1, 1), local(2024, 10, 26), local(2024, 10, 29), "P1D",
                           BRUSSELS)  # fmt: skip
    assert lengths(autumn) == [24 * H, 25 * H]
    assert [t.astimezone(BRUSSELS).hour for t in autumn] == [0, 0, 0]


def test_weekly_steps_follow_local_midnight() -> None:
    weeks = starts(utc("2024-10-20T22:00"), utc("2024-11-03T23:00"), "P7D", PRAGUE)
    assert weeks == [utc("2024-10-20T22:00"), utc("2024-10-27T23:00")]


def test_a_p7d_grid_from_a_local_monday_stays_on_local_mondays_across_dst() -> None:
    weeks = boundaries(local(2024, 3, 25), local(2024, 4, 8), "P7D", BRUSSELS)
    assert [t.astimezone(BRUSSELS).strftime("%a %H:%M") for t in weeks] == ["Mon 00:00"] * 3
    assert lengths(weeks) == [167 * H, 168 * H]  # the spring week is an hour short
    autumn = boundaries(local(2024, 10, 21), local(2024, 10, 28), "P7D", BRUSSELS)
    assert lengths(autumn) == [169 * H]
    # Monday 00:00 CEST is Sunday 22:00 in UTC: a UTC weekly grid would be a day off
    assert weeks[1] == utc("2024-03-31T22:00")


def test_monthly_and_yearly_steps_follow_the_local_calendar() -> None:
    months = starts(utc("2024-01-31T23:00"), utc("2024-05-31T22:00"), "P1M", PRAGUE)
    assert months == [utc("2024-01-31T23:00"), utc("2024-02-29T23:00"), utc("2024-03-31T22:00"),
                      utc("2024-04-30T22:00")]  # fmt: skip
    years = starts(utc("2022-12-31T23:00"), utc("2025-12-31T23:00"), "P1Y", PRAGUE)
    assert years == [utc("2022-12-31T23:00"), utc("2023-12-31T23:00"), utc("2024-12-31T23:00")]
    lisbon = starts(utc("2024-03-01T00:00"), utc("2024-04-30T23:00"), "P1M", LISBON)
    assert lisbon == [utc("2024-03-01T00:00"), utc("2024-03-31T23:00")]


def test_month_ends_are_clamped_and_never_drift() -> None:
    wall = datetime.fromisoformat  # naive wall-clock times, as the grid steps them
    assert add_months(wall("2024-01-31"), 1) == wall("2024-02-29")  # leap year
    assert add_months(wall("2023-01-31"), 1) == wall("2023-02-28")
    assert add_months(wall("2024-11-30T06:00"), 3) == wall("2025-02-28T06:00")
    assert add_months(wall("2024-03-31"), -1) == wall("2024-02-29")
    # Jan 31 local: Feb 29, then Mar 31 (not Mar 29, which stepping from Feb 29 would give)
    months = boundaries(local(2024, 1, 31), local(2024, 4, 30), "P1M", BRUSSELS)
    assert months == [local(2024, 1, 31), local(2024, 2, 29), local(2024, 3, 31),
                      local(2024, 4, 30)]  # fmt: skip
    assert grid_instants(local(2024, 1, 31), local(2024, 2, 1), local(2024, 5, 1), "P1M",
                         BRUSSELS) == months[1:]  # fmt: skip
    assert (
        grid_count(local(2024, 1, 31), local(2024, 2, 1), local(2024, 4, 1), "P1M", BRUSSELS) == 2
    )


def test_the_last_boundary_tells_whether_a_range_is_whole_intervals() -> None:
    start = utc("2024-01-01T00:00")
    assert boundaries(start, start + 2 * H, "PT60M", UTC_ZONE)[-1] == start + 2 * H
    assert boundaries(start, start + 90 * timedelta(minutes=1), "PT60M", UTC_ZONE) == [
        start, start + H, start + 2 * H]  # fmt: skip
    assert boundaries(local(2024, 3, 1), local(2024, 3, 15), "P1M", BRUSSELS)[-1] == local(
        2024, 4, 1
    )


def test_boundaries_refuse_unknown_resolutions_and_naive_times() -> None:
    with pytest.raises(ValueError, match="PT5M"):
        boundaries(utc("2024-01-01T00:00"), utc("2024-01-02T00:00"), "PT5M", PRAGUE)
    with pytest.raises(ValueError, match="aware"):
        boundaries(datetime(2024, 1, 1), utc("2024-01-02T00:00"), "PT60M", PRAGUE)  # noqa: DTZ001


def test_empty_range_has_no_starts() -> None:
    assert starts(utc("2024-01-01T00:00"), utc("2024-01-01T00:00"), "P1D", PRAGUE) == []
    assert starts(utc("2024-01-01T00:00"), utc("2024-01-01T00:00"), "PT15M", PRAGUE) == []


# -- grid_count: the grid through an anchor --------------------------------------------------


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


def test_grid_instants_are_for_calendar_resolutions_only() -> None:
    with pytest.raises(ValueError, match="not a calendar resolution"):
        grid_instants(local(2024, 1, 1), local(2024, 1, 1), local(2024, 1, 2), "PT15M", BRUSSELS)


# -- buckets ---------------------------------------------------------------------------------


def test_bucket_floor_in_local_calendars() -> None:
    t = datetime(2024, 3, 31, 12, 7, 30, tzinfo=UTC)  # 14:07:30 CEST, a Sunday
    assert bucket_floor(t, "PT15M", BRUSSELS) == datetime(2024, 3, 31, 12, 0, tzinfo=UTC)
    assert bucket_floor(t, "PT1H", BRUSSELS) == datetime(2024, 3, 31, 12, 0, tzinfo=UTC)
    assert bucket_floor(t, "P1D", BRUSSELS) == local(2024, 3, 31)  # 23:00Z the day before
    assert bucket_floor(t, "P7D", BRUSSELS) == local(2024, 3, 25)  # Monday
    assert bucket_floor(t, "P1M", BRUSSELS) == local(2024, 3, 1)
    assert bucket_floor(t, "P1Y", BRUSSELS) == local(2024, 1, 1)
    # 00:30 local on Monday 1 April is still Sunday in UTC: the local week has begun
    assert bucket_floor(local(2024, 4, 1, 0, 30), "P7D", BRUSSELS) == local(2024, 4, 1)
    # buckets overlapping [start, end): partial first and last days count
    start, end = local(2024, 3, 30, 12), local(2024, 4, 1, 1)
    assert bucket_count(start, end, "P1D", BRUSSELS) == 3
    assert bucket_count(start, end, "P1D", UTC_ZONE) == 2  # 30 and 31 March, UTC days
    assert bucket_count(local(2024, 10, 27), local(2024, 10, 28), "PT1H", BRUSSELS) == 25
    with pytest.raises(ValueError, match="unknown resolution"):
        bucket_floor(t, "PT5M", BRUSSELS)


@pytest.mark.parametrize("resolution", BUCKET_RESOLUTIONS)
def test_every_bucket_resolution_is_a_grid_its_floors_lie_on(resolution: str) -> None:
    assert resolution in RESOLUTIONS
    t = local(2024, 10, 27, 2, 40)  # inside the repeated autumn hour
    first = bucket_floor(t, resolution, BRUSSELS)
    assert first <= t
    assert bucket_floor(first, resolution, BRUSSELS) == first
    following = boundaries(first, t + timedelta(microseconds=1), resolution, BRUSSELS)[1]
    assert following > t and bucket_floor(following, resolution, BRUSSELS) == following
