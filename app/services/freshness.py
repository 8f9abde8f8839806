"""Freshness: how far each stored series trails what ENTSO-E can have published by now.

The end of what can be published is :func:`app.services.publication.published_until` (actual: the
current hour; day-ahead: the end of tomorrow; longer forecasts: now plus their horizon). A
series is ``fresh`` while its stored end trails that by at most its item's tolerance, which
follows the item's publication rhythm: an actual is published every quarter-hour about an hour
after real time; a forecast once per period for the next one, so just before a publication its
stored end legitimately lies a whole period short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.domain.points import EnergyPoint
from app.domain.timegrid import boundaries
from app.entsoe.areas import get_area
from app.entsoe.items import ITEMS, DataType
from app.services.publication import published_until


@dataclass(frozen=True, slots=True)
class Rhythm:
    """How often an item is published (``text``) and how far behind it may be (``tolerance``)."""

    text: str
    tolerance: timedelta


_ACTUAL = Rhythm("every 15 min, about an hour after real time", timedelta(hours=3))
# Until the next day's forecast is out its stored end is tonight's midnight: a day short
# (25 hours on the autumn DST day).
_DAILY = Rhythm("daily, for the next day", timedelta(hours=25))

RHYTHMS: dict[DataType, Rhythm] = {
    DataType.ACTUAL: _ACTUAL,
    DataType.DAY_AHEAD: _DAILY,
    # Published for the period ahead, up to their horizon: fresh while they still cover now.
    DataType.WEEK_AHEAD: Rhythm("weekly, for the next week", ITEMS[DataType.WEEK_AHEAD].horizon),
    DataType.MONTH_AHEAD: Rhythm(
        "monthly, for the next month", ITEMS[DataType.MONTH_AHEAD].horizon
    ),
    DataType.YEAR_AHEAD: Rhythm("yearly, for the next year", ITEMS[DataType.YEAR_AHEAD].horizon),
    DataType.FORECAST_MARGIN: Rhythm(
        "yearly, for the next year", ITEMS[DataType.FORECAST_MARGIN].horizon
    ),
    DataType.GENERATION: _ACTUAL,
    DataType.GENERATION_CONSUMPTION: _ACTUAL,
    DataType.GENERATION_FORECAST: _DAILY,
    DataType.CONSUMPTION_FORECAST: _DAILY,
    DataType.WIND_SOLAR_DAY_AHEAD: _DAILY,
    # For the rest of today, from the morning on (the current one updated during the day): just
    # after midnight the stored end is still last midnight, a day short.
    DataType.WIND_SOLAR_INTRADAY: Rhythm("during the day, for the same day", timedelta(hours=25)),
    DataType.WIND_SOLAR_CURRENT: Rhythm(
        "during the day, updated for the same day", timedelta(hours=25)
    ),
    # published_until already allows a month into the year for the year's values to appear.
    DataType.INSTALLED_CAPACITY: Rhythm("yearly, before the year starts", timedelta(0)),
}


def interval_end(t: datetime, resolution: str, zone: ZoneInfo) -> datetime:
    """The end of the interval a point at ``t`` of ``resolution`` covers (calendar ones step in
    ``zone``: a P1D point ends at the next local midnight)."""
    return boundaries(t, t + timedelta(microseconds=1), resolution, zone)[-1]


def due(data_type: DataType, area_code: str, now: datetime) -> datetime:
    """What a fresh series of ``data_type`` holds at least: everything before this instant."""
    return published_until(data_type, area_code, now) - RHYTHMS[data_type].tolerance


def duration_text(delta: timedelta) -> str:
    """``0``, ``45 min``, ``3 h 15 min``, ``2 d 4 h``: a lag, to the minute, for people."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min" if mins else "0"


@dataclass(frozen=True, slots=True)
class Freshness:
    """One (area, item): its newest stored point, where it ends and how far that trails.

    ``lag`` is ``expected_end - stored_end`` (never negative); nothing stored: ``last``,
    ``stored_end`` and ``lag`` are None and ``state`` is ``missing``.
    """

    area_code: str
    data_type: str
    business_types: tuple[str, ...]
    resolution: str | None
    last: datetime | None
    stored_end: datetime | None
    expected_end: datetime
    lag: timedelta | None
    rhythm: Rhythm

    @property
    def state(self) -> str:
        """``fresh``, ``late`` (trails by more than the tolerance) or ``missing``."""
        if self.lag is None:
            return "missing"
        return "fresh" if self.lag <= self.rhythm.tolerance else "late"

    @property
    def behind(self) -> str:
        """The lag for people (``-`` when nothing is stored)."""
        return "-" if self.lag is None else duration_text(self.lag)


def freshness(
    newest: Sequence[EnergyPoint], pairs: Sequence[tuple[str, str]], now: datetime
) -> list[Freshness]:
    """A :class:`Freshness` per (area, item) of ``pairs``, in their order, from the newest
    stored point(s) of each (:meth:`app.repositories.stored.StoredPoints.latest`): the item is
    as fresh as its newest series (production types end where their own newest point does)."""
    by_pair: dict[tuple[str, str], list[EnergyPoint]] = {}
    for point in newest:
        by_pair.setdefault((point.meta.area_code, point.meta.data_type), []).append(point)
    out = []
    for area_code, data_type in pairs:
        item = DataType(data_type)
        expected_end = published_until(item, area_code, now)
        points = by_pair.get((area_code, data_type), [])
        if not points:
            out.append(
                Freshness(
                    area_code, data_type, (), None, None, None, expected_end, None, RHYTHMS[item]
                )
            )
            continue
        zone = get_area(area_code).zone
        ends = [(interval_end(p.timestamp, p.meta.resolution, zone), p) for p in points]
        stored_end, newest_point = max(ends, key=lambda e: (e[0], e[1].timestamp))
        last = max(p.timestamp for p in points)
        out.append(
            Freshness(
                area_code=area_code,
                data_type=data_type,
                business_types=tuple(sorted({p.meta.business_type for p in points})),
                resolution=newest_point.meta.resolution,
                last=last,
                stored_end=stored_end,
                expected_end=expected_end,
                lag=max(timedelta(0), expected_end - stored_end),
                rhythm=RHYTHMS[item],
            )
        )
    return out
