"""What is published when: actual an hour late, day-ahead to the end of tomorrow, first dates."""

from __future__ import annotations

from datetime import date

from app.entsoe.items import DataType
from app.entsoe.parser import Acknowledgement, parse
from app.sandbox import SandboxConfig, expected_points
from tests.sandbox.support import ask, rows, utc


def _no_data(body: bytes) -> bool:
    doc = parse(body)
    return isinstance(doc, Acknowledgement) and doc.is_no_data


def test_actual_load_is_published_up_to_about_an_hour_ago() -> None:
    now = utc("2025-11-15T12:07")
    config = SandboxConfig(now=now, gap_share=0.0)
    got = rows(
        ask(config, "DE_LU", DataType.ACTUAL, utc("2025-11-14T00:00"), utc("2025-11-16T00:00")).body
    )
    # [10:45, 11:00) ended 67 minutes ago; [11:00, 11:15) ends 52 minutes ago: not yet.
    assert max(p.timestamp for p in got) == utc("2025-11-15T10:45")
    later = SandboxConfig(now=utc("2025-11-15T12:15"), gap_share=0.0)
    got = rows(
        ask(later, "DE_LU", DataType.ACTUAL, utc("2025-11-14T00:00"), utc("2025-11-16T00:00")).body
    )
    assert max(p.timestamp for p in got) == utc("2025-11-15T11:00")


def test_day_ahead_reaches_the_end_of_tomorrow_after_10_local() -> None:
    start, end = utc("2025-11-14T00:00"), utc("2025-11-20T00:00")
    before = SandboxConfig(now=utc("2025-11-15T08:59"))  # 09:59 in Brussels
    after = SandboxConfig(now=utc("2025-11-15T09:00"))  # 10:00 in Brussels
    last_before = max(
        p.timestamp for p in rows(ask(before, "BE", DataType.DAY_AHEAD, start, end).body)
    )
    last_after = max(
        p.timestamp for p in rows(ask(after, "BE", DataType.DAY_AHEAD, start, end).body)
    )
    assert last_before == utc("2025-11-15T22:45")  # end of today, local
    assert last_after == utc("2025-11-16T22:45")  # end of tomorrow, local


def test_forecasts_appear_on_their_publication_dates() -> None:
    next_week = (utc("2025-11-16T23:00"), utc("2025-11-23T23:00"))  # Mon 17 .. Sun 23 Nov, CET
    thursday = SandboxConfig(now=utc("2025-11-13T12:00"))
    friday = SandboxConfig(now=utc("2025-11-14T09:00"))  # 10:00 CET on the Friday before
    assert _no_data(ask(thursday, "DE_LU", DataType.WEEK_AHEAD, *next_week).body)
    assert len(rows(ask(friday, "DE_LU", DataType.WEEK_AHEAD, *next_week).body)) == 14
    # Year-ahead weeks of 2026 start on its first Monday; the margin covers the calendar year.
    weeks_2026 = (utc("2026-01-04T23:00"), utc("2026-12-31T23:00"))
    year_2026 = (utc("2025-12-31T23:00"), utc("2026-12-31T23:00"))
    november = SandboxConfig(now=utc("2025-11-15T12:00"))
    december = SandboxConfig(now=utc("2025-12-14T23:00"))  # 15 December, local midnight
    for data_type, window in (
        (DataType.YEAR_AHEAD, weeks_2026),
        (DataType.FORECAST_MARGIN, year_2026),
    ):
        assert _no_data(ask(november, "CZ", data_type, *window).body)
        assert rows(ask(december, "CZ", data_type, *window).body)


def test_nothing_before_the_first_date_and_nothing_from_the_future() -> None:
    config = SandboxConfig(now=utc("2025-11-15T12:00"), first_dates={"PL": date(2020, 6, 1)})

    def actual(area: str, start: str, end: str) -> bytes:
        return ask(config, area, DataType.ACTUAL, utc(start), utc(end)).body

    before = ask(config, "PL", DataType.ACTUAL, utc("2020-05-01T00:00"), utc("2020-05-20T00:00"))
    assert before.status == 200 and _no_data(before.body)
    assert b"No matching data found for Data item Actual Total Load [6.1.A] (10YPL-AREA-----S)" in (
        before.body
    )
    straddling = rows(actual("PL", "2020-05-25T00:00", "2020-06-05T00:00"))
    assert min(p.timestamp for p in straddling) == utc("2020-05-31T22:00")  # 1 June, local
    # Other areas keep the default first date, 2015-01-01.
    assert rows(actual("CZ", "2020-05-01T00:00", "2020-05-02T00:00"))
    assert rows(actual("CZ", "2015-01-01T00:00", "2015-01-02T00:00"))
    assert _no_data(actual("CZ", "2014-11-01T00:00", "2014-11-05T00:00"))
    # The future is not published yet.
    assert _no_data(actual("CZ", "2025-11-20T00:00", "2025-11-25T00:00"))
    future = (utc("2025-11-20T00:00"), utc("2025-11-25T00:00"))
    assert expected_points("CZ", "actual", *future, config=config) == []
    # A margin year that begins before the first date is not served either.
    late = SandboxConfig(now=utc("2025-11-15T12:00"), first_dates={"CZ": date(2016, 3, 1)})
    years = (utc("2015-06-01T00:00"), utc("2017-06-01T00:00"))
    margin = expected_points("CZ", "forecast_margin", *years, config=late)
    assert [p.timestamp for p in margin] == [utc("2016-12-31T23:00")]


def test_generation_is_published_like_load_and_forecasts_by_18_local() -> None:
    window = (utc("2025-11-14T00:00"), utc("2025-11-18T00:00"))
    config = SandboxConfig(now=utc("2025-11-15T12:07"), gap_share=0.0)
    actual = rows(ask(config, "NL", DataType.GENERATION, *window).body)
    assert max(p.timestamp for p in actual) == utc("2025-11-15T10:45")  # as actual load
    assert {p.meta.psr_type for p in actual if p.timestamp == utc("2025-11-15T10:45")} == {
        f"B{n:02d}" for n in range(1, 21)
    }  # every type up to the same interval
    for data_type in (DataType.WIND_SOLAR_DAY_AHEAD, DataType.GENERATION_FORECAST):
        before = SandboxConfig(now=utc("2025-11-15T16:59"))  # 17:59 in Amsterdam
        after = SandboxConfig(now=utc("2025-11-15T17:00"))
        last = [max(p.timestamp for p in rows(ask(c, "NL", data_type, *window).body))
                for c in (before, after)]  # fmt: skip
        assert last == [utc("2025-11-15T22:45"), utc("2025-11-16T22:45")]


def test_installed_capacity_appears_on_15_december_of_the_year_before() -> None:
    year = (utc("2025-12-31T23:00"), utc("2026-12-31T23:00"))
    for now, published in (("2025-12-14T22:59", False), ("2025-12-14T23:00", True)):
        reply = ask(SandboxConfig(now=utc(now)), "NL", DataType.INSTALLED_CAPACITY, *year)
        assert reply.is_document is published
        assert published or _no_data(reply.body)
