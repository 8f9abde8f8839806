"""The sandbox's calendars: document alignment, forecast groups and publication times.

All dates here are local calendar dates of the area; all datetimes aware UTC. Weeks start on
Monday. A month-ahead group is the weeks whose Monday lies in that month, a year-ahead group
the weeks whose Monday lies in that year (as ENTSO-E groups its P7D Periods).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from app.entsoe.items import DataType

ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)

Alignment = Literal["day", "week", "year"]
ALIGNMENT: dict[DataType, Alignment] = {
    DataType.ACTUAL: "day",
    DataType.DAY_AHEAD: "day",
    DataType.WEEK_AHEAD: "day",
    DataType.MONTH_AHEAD: "week",
    DataType.YEAR_AHEAD: "week",
    DataType.FORECAST_MARGIN: "year",
}


def local_time(zone: ZoneInfo, day: date, hour: int = 0) -> datetime:
    """UTC instant of ``hour``:00 local time on ``day`` (Europe changes DST at 02:00/03:00)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone).astimezone(UTC)


def local_date(zone: ZoneInfo, instant: datetime) -> date:
    return instant.astimezone(zone).date()


def days(first: date, stop: date) -> Iterator[date]:
    """Every date in [first, stop)."""
    for n in range((stop - first).days):
        yield first + timedelta(days=n)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def aligned_dates(
    data_type: DataType, zone: ZoneInfo, start: datetime, end: datetime
) -> tuple[date, date]:
    """Local dates [first, stop) of the document answering a request for [start, end).

    Whole local days for PT and P1D items, whole weeks for the P7D ones, whole years for P1Y:
    the document may be wider than the request, never narrower.
    """
    first = local_date(zone, start)
    stop = local_date(zone, end)
    if local_time(zone, stop) < end:
        stop += ONE_DAY
    kind = ALIGNMENT[data_type]
    if kind == "week":
        first = monday(first)
        stop += timedelta(days=-stop.weekday() % 7)
    elif kind == "year":
        first = date(first.year, 1, 1)
        if (stop.month, stop.day) != (1, 1):
            stop = date(stop.year + 1, 1, 1)
    return first, stop


def week_groups(first: date, stop: date) -> list[tuple[date, list[date]]]:
    """Week-ahead groups touching [first, stop): (Monday, the days of that week)."""
    out = []
    week = monday(first)
    while week < stop:
        out.append((week, [week + timedelta(days=n) for n in range(7)]))
        week += ONE_WEEK
    return out


def month_groups(first: date, stop: date) -> list[tuple[date, list[date]]]:
    """Month-ahead groups touching [first, stop): (1st of the month, the Mondays in it)."""
    out: list[tuple[date, list[date]]] = []
    month = date(monday(first).year, monday(first).month, 1)
    while True:
        mondays = _mondays_in(month.year, month.month)
        if mondays[0] >= stop:
            return out
        if mondays[-1] + ONE_WEEK > first:
            out.append((month, mondays))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def year_groups(first: date, stop: date) -> list[tuple[date, list[date]]]:
    """Year-ahead groups touching [first, stop): (1 January, the Mondays in that year)."""
    out: list[tuple[date, list[date]]] = []
    year = monday(first).year
    while True:
        jan1 = date(year, 1, 1)
        mondays = _mondays_in(year, None)
        if mondays[0] >= stop:
            return out
        if mondays[-1] + ONE_WEEK > first:
            out.append((jan1, mondays))
        year += 1


def _mondays_in(year: int, month: int | None) -> list[date]:
    """The Mondays of a month (or of the whole year when ``month`` is None)."""
    start = date(year, month or 1, 1)
    day = start + timedelta(days=-start.weekday() % 7)
    out = []
    while day.year == year and (month is None or day.month == month):
        out.append(day)
        day += ONE_WEEK
    return out


# Publication rules after Regulation 543/2013 art. 6.1: day-ahead two hours before day-ahead
# gate closure (10:00 the day before), week-ahead on the Friday before, month-ahead a week
# before the month's first week, year-ahead (and its margin) on 15 December of the year before.


def day_ahead_published(zone: ZoneInfo, day: date) -> datetime:
    return local_time(zone, day - ONE_DAY, 10)


def week_ahead_published(zone: ZoneInfo, week: date) -> datetime:
    return local_time(zone, week - timedelta(days=3), 10)


def month_ahead_published(zone: ZoneInfo, first_monday: date) -> datetime:
    return local_time(zone, first_monday - ONE_WEEK)


def year_ahead_published(zone: ZoneInfo, year: int) -> datetime:
    return local_time(zone, date(year - 1, 12, 15))
