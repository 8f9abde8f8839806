"""When ENTSO-E publishes each item, and so what an incremental collection asks for.

All instants are aware UTC; "local" days and years are the area's (a day-ahead forecast is for
the next local day, an installed capacity for a local calendar year).

- Actuals (load, generation): published every quarter-hour about an hour after real time, so
  by ``now`` at most up to the current hour.
- Day-ahead forecasts (load, generation, wind and solar): once a day for the next local day.
- Intraday and current wind and solar forecasts: during the day, for the rest of the local day.
- Week-, month- and year-ahead load forecasts and the margin: up to their horizon.
- Installed capacity: one P1Y value per production type, for a year, published before it
  starts (often weeks late: a month's grace); an incremental collection also asks for the next
  year's, which appears shortly before it begins.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.entsoe.areas import get_area
from app.entsoe.items import ITEMS, DataType
from app.repositories.backfill_windows import Interval

_HOUR = timedelta(hours=1)
CAPACITY_GRACE = timedelta(days=31)

ACTUALS = frozenset({DataType.ACTUAL, DataType.GENERATION, DataType.GENERATION_CONSUMPTION})
DAY_AHEAD = frozenset(
    {
        DataType.DAY_AHEAD,
        DataType.GENERATION_FORECAST,
        DataType.CONSUMPTION_FORECAST,
        DataType.WIND_SOLAR_DAY_AHEAD,
    }
)
SAME_DAY = frozenset({DataType.WIND_SOLAR_INTRADAY, DataType.WIND_SOLAR_CURRENT})


def floor_hour(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(t: datetime) -> datetime:
    floored = floor_hour(t)
    return floored if floored == t else floored + _HOUR


def _local_midnight(zone: ZoneInfo, now: datetime, days_ahead: int) -> datetime:
    day = (now.astimezone(zone) + timedelta(days=days_ahead)).date()
    return ceil_hour(datetime(day.year, day.month, day.day, tzinfo=zone))


def _local_new_year(zone: ZoneInfo, now: datetime, years_ahead: int) -> datetime:
    year = now.astimezone(zone).year + years_ahead
    return datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)


def published_until(data_type: DataType, area_code: str, now: datetime) -> datetime:
    """The end (UTC, exclusive) of what ENTSO-E must have published by ``now``."""
    if data_type in ACTUALS:
        return ceil_hour(now)
    zone = get_area(area_code).zone
    if data_type in DAY_AHEAD:
        return _local_midnight(zone, now, 2)  # the end of tomorrow
    if data_type in SAME_DAY:
        return _local_midnight(zone, now, 1)  # the end of today
    if data_type is DataType.INSTALLED_CAPACITY:
        # The current year's values, due before it starts; a month's grace into January, as
        # TSOs often publish them late.
        return _local_new_year(zone, now - CAPACITY_GRACE, 1)
    return ceil_hour(now + ITEMS[data_type].horizon)


def collect_until(data_type: DataType, area_code: str, now: datetime) -> datetime:
    """The end of what an incremental collection asks for: what is published by ``now``, and
    for installed capacity the next year too (published shortly before it starts; asked for
    while it is not, the answer is empty)."""
    if data_type is DataType.INSTALLED_CAPACITY:
        return _local_new_year(get_area(area_code).zone, now, 2)
    return published_until(data_type, area_code, now)


def lookback(
    data_type: DataType, *, actual_lookback: timedelta, generation_lookback: timedelta
) -> timedelta:
    """How far before the newest stored point an incremental collection starts: late values
    and revisions arrive there. Forecasts: their horizon (a forecast is revised until its
    period has passed); installed capacity: none (the newest year is asked again)."""
    if data_type is DataType.ACTUAL:
        return actual_lookback
    if data_type in ACTUALS:
        return generation_lookback
    if data_type is DataType.INSTALLED_CAPACITY:
        return timedelta(0)
    return ITEMS[data_type].horizon


def current_range(
    data_type: DataType,
    area_code: str,
    latest: datetime | None,
    now: datetime,
    *,
    actual_lookback: timedelta,
    initial_history: timedelta,
    generation_lookback: timedelta = timedelta(hours=48),
) -> Interval:
    """[start, end) an incremental run of (area, item) collects: from the newest stored point
    (``latest``; None: ``initial_history`` before ``now``) minus the item's look-back."""
    back = lookback(
        data_type, actual_lookback=actual_lookback, generation_lookback=generation_lookback
    )
    end = collect_until(data_type, area_code, now)
    start = now - initial_history if latest is None else latest - back
    return floor_hour(min(start, end - _HOUR)), end
