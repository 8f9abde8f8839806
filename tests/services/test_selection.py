"""Which requests a choice of data types makes, when each generation item is published, and the
scheduler's jobs for them (pure rules, no database)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.entsoe.items import REQUEST_TYPES, DataType
from app.jobs.scheduler import DEFAULT_JOBS, CollectionScheduler
from app.services.publication import collect_until, current_range, published_until
from app.services.selection import label, parse_data_types, request_types, stored_by
from tests.services.support import utc

H, D = timedelta(hours=1), timedelta(days=1)
G, GC = DataType.GENERATION, DataType.GENERATION_CONSUMPTION


def test_all_means_every_item_and_repeats_are_dropped() -> None:
    assert parse_data_types(["all"]) == list(DataType)
    assert parse_data_types([" ALL ", "actual"]) == list(DataType)
    assert parse_data_types(["generation", "actual", "generation", ""]) == [G, DataType.ACTUAL]
    with pytest.raises(ValueError, match="'nowcast'"):
        parse_data_types(["actual", "nowcast"])


def test_an_item_in_anothers_documents_is_asked_for_with_that_request() -> None:
    assert request_types([GC]) == [G]
    assert request_types([G, GC]) == request_types([GC, G]) == [G]
    assert request_types([DataType.CONSUMPTION_FORECAST, DataType.ACTUAL]) == [
        DataType.GENERATION_FORECAST,
        DataType.ACTUAL,
    ]
    assert request_types(DataType) == list(REQUEST_TYPES)
    assert len(REQUEST_TYPES) == len(DataType) - 2
    assert stored_by(GC) == stored_by(G) == (G, GC)
    assert label(DataType.GENERATION_FORECAST) == "generation_forecast+consumption_forecast"
    assert label(DataType.ACTUAL) == "actual"


@pytest.mark.parametrize(
    ("data_type", "end"),
    [
        (G, "2025-06-10T13:00"),  # the current hour, like actual load
        (GC, "2025-06-10T13:00"),
        (DataType.GENERATION_FORECAST, "2025-06-11T22:00"),  # the end of tomorrow in Madrid
        (DataType.WIND_SOLAR_DAY_AHEAD, "2025-06-11T22:00"),
        (DataType.WIND_SOLAR_INTRADAY, "2025-06-10T22:00"),  # the end of today
        (DataType.WIND_SOLAR_CURRENT, "2025-06-10T22:00"),
        (DataType.INSTALLED_CAPACITY, "2025-12-31T23:00"),  # the current local year
    ],
)
def test_what_must_be_published_by_now(data_type: DataType, end: str) -> None:
    assert published_until(data_type, "ES", utc("2025-06-10T12:34")) == utc(end)


def test_installed_capacity_allows_a_month_into_the_year_and_asks_for_the_next_one() -> None:
    january = utc("2026-01-20T00:00")
    assert published_until(DataType.INSTALLED_CAPACITY, "ES", january) == utc("2025-12-31T23:00")
    february = utc("2026-02-05T00:00")
    assert published_until(DataType.INSTALLED_CAPACITY, "ES", february) == utc("2026-12-31T23:00")
    assert collect_until(DataType.INSTALLED_CAPACITY, "ES", january) == utc("2027-12-31T23:00")
    start, end = current_range(
        DataType.INSTALLED_CAPACITY, "ES", utc("2024-12-31T23:00"), january,
        actual_lookback=48 * H, initial_history=7 * D,
    )  # fmt: skip
    assert (start, end) == (utc("2024-12-31T23:00"), utc("2027-12-31T23:00"))


def test_actual_generation_looks_back_by_its_own_setting() -> None:
    now = utc("2025-06-10T12:34")
    start, end = current_range(
        G, "ES", utc("2025-06-10T11:45"), now,
        actual_lookback=48 * H, initial_history=7 * D, generation_lookback=6 * H,
    )  # fmt: skip
    assert (start, end) == (utc("2025-06-10T05:00"), utc("2025-06-10T13:00"))
    start, _ = current_range(
        DataType.WIND_SOLAR_INTRADAY, "ES", utc("2025-06-10T15:00"), now,
        actual_lookback=48 * H, initial_history=7 * D,
    )  # fmt: skip
    assert start == utc("2025-06-09T15:00")  # forecasts: their horizon


def test_generation_jobs_and_their_ticks() -> None:
    jobs = {j.name: j for j in DEFAULT_JOBS}
    assert jobs["collect.generation"].every == timedelta(minutes=15)
    assert jobs["collect.wind_solar_current"].every == timedelta(minutes=15)
    for name in ("generation_forecast", "wind_solar_day_ahead", "wind_solar_intraday"):
        assert jobs[f"collect.{name}"].every == H
    # One job per request: none for the items that come in another's documents.
    assert {j.data_type for j in DEFAULT_JOBS if j.data_type} == set(REQUEST_TYPES)
    # Installed capacity weekly: a year published late (or revised) is picked up within a week.
    capacity = jobs["collect.installed_capacity"]
    assert capacity.every == 7 * D
    tick = capacity.tick(utc("2026-03-01T00:00"))
    assert utc("2026-02-22T00:00") < tick <= utc("2026-03-01T00:00")
    fire = capacity.trigger().get_next_fire_time(None, utc("2026-03-01T00:00"))
    assert fire == tick + 7 * D


def test_the_scheduler_runs_the_request_of_a_configured_item() -> None:
    scheduler = CollectionScheduler(
        None,  # type: ignore[arg-type]  # not started: only the job selection is looked at
        None,  # type: ignore[arg-type]
        areas=["ES"],
        data_types=[GC, DataType.WIND_SOLAR_CURRENT],
    )
    assert [j.name for j in scheduler.jobs] == [
        "collect.generation",
        "collect.wind_solar_current",
        "heal",
    ]
