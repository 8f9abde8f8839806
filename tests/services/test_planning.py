"""Pure planning rules: what an incremental run asks for, scheduler ticks, resumed windows,
and which data source a configuration stamps on its rows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.config import Settings
from app.entsoe.items import DataType
from app.jobs.scheduler import DEFAULT_JOBS, JobSpec
from app.services.backfill import _covered
from app.services.collection import data_source_for
from app.services.publication import current_range, published_until
from tests.services.support import utc

H = timedelta(hours=1)


def test_actual_runs_from_the_last_point_minus_the_lookback_to_the_current_hour() -> None:
    now = utc("2025-06-10T12:34")
    start, end = current_range(
        DataType.ACTUAL, "FR", utc("2025-06-10T10:45"), now,
        actual_lookback=48 * H, initial_history=7 * 24 * H,
    )  # fmt: skip
    assert (start, end) == (utc("2025-06-08T10:00"), utc("2025-06-10T13:00"))


def test_nothing_stored_starts_from_the_initial_history() -> None:
    now = utc("2025-06-10T12:00")
    start, _ = current_range(
        DataType.ACTUAL, "FR", None, now, actual_lookback=48 * H, initial_history=3 * 24 * H
    )
    assert start == utc("2025-06-07T12:00")


@pytest.mark.parametrize(
    ("now", "end"),
    [
        # Paris: the end of tomorrow is local midnight after it (CET +1, CEST +2)
        ("2025-06-10T12:00", "2025-06-11T22:00"),
        ("2025-01-10T12:00", "2025-01-11T23:00"),
        # DST starts on 2025-03-30: tomorrow ends at 2025-03-31 00:00 CEST
        ("2025-03-29T12:00", "2025-03-30T22:00"),
        # 23:30 UTC is already the next local day in Paris
        ("2025-06-10T23:30", "2025-06-12T22:00"),
    ],
)
def test_day_ahead_runs_to_the_end_of_tomorrow_in_local_time(now: str, end: str) -> None:
    assert published_until(DataType.DAY_AHEAD, "FR", utc(now)) == utc(end)


def test_forecasts_look_back_and_ahead_by_their_horizon() -> None:
    now = utc("2025-06-10T12:00")
    latest = utc("2025-06-18T00:00")  # week-ahead is stored up to about now + 8 days
    start, end = current_range(
        DataType.WEEK_AHEAD, "FR", latest, now, actual_lookback=48 * H, initial_history=H
    )
    assert start == utc("2025-06-10T00:00")
    assert end == utc("2025-06-18T12:00")


def test_ticks_are_the_same_on_every_replica() -> None:
    spec = JobSpec("x", timedelta(minutes=15), timedelta(minutes=2))
    assert spec.tick(utc("2025-06-10T12:16")) == utc("2025-06-10T12:02")
    assert spec.tick(utc("2025-06-10T12:17")) == utc("2025-06-10T12:17")
    assert spec.tick(utc("2025-06-10T12:31:59")) == utc("2025-06-10T12:17")
    cadence = {j.name: j.every for j in DEFAULT_JOBS}
    assert cadence["collect.actual"] == timedelta(minutes=15)
    assert cadence["collect.day_ahead"] == cadence["heal"] == H
    assert cadence["collect.week_ahead"] == cadence["collect.month_ahead"] == 24 * H
    assert cadence["collect.year_ahead"] == cadence["collect.forecast_margin"] == 7 * 24 * H


def test_a_window_is_done_only_when_finished_windows_cover_it_without_a_hole() -> None:
    a, b, c, d = (utc(f"2025-01-0{i}T00:00") for i in (1, 2, 3, 4))
    assert _covered((a, c), [(a, b), (b, c)])
    assert _covered((b, c), [(a, d)])
    assert not _covered((a, d), [(a, b), (c, d)])
    assert not _covered((a, c), [(a, b)])
    assert not _covered((a, b), [])


@pytest.mark.parametrize(
    ("entsoe", "collection", "source"),
    [
        ({"base_url": "https://web-api.tp.entsoe.eu/api", "api_token": "1234-abcd"}, {}, "entsoe"),
        ({"base_url": "http://127.0.0.1:8700/api", "api_token": "x"}, {}, "entsoe-sandbox"),
        ({"base_url": "http://localhost:8700/api"}, {}, "entsoe-sandbox"),
        ({"base_url": "http://[::1]:8700/api"}, {}, "entsoe-sandbox"),
        ({"base_url": "http://sandbox.internal/api", "api_token": "sandbox"}, {}, "entsoe-sandbox"),
        ({"base_url": "http://sandbox:8001/api", "api_token": "ci-token"}, {}, "entsoe-sandbox"),
        ({"base_url": "http://0.0.0.0:8001/api", "api_token": "ci-token"}, {}, "entsoe-sandbox"),
        ({"base_url": "https://evil-entsoe.eu.example/api"}, {}, "entsoe-sandbox"),
        ({"base_url": "http://127.0.0.1:8700/api"}, {"data_source": "entsoe"}, "entsoe"),
    ],
)
def test_data_source(entsoe: dict[str, str], collection: dict[str, str], source: str) -> None:
    settings = Settings(entsoe=entsoe, collection=collection)
    assert data_source_for(settings) == source
