"""Week-, month- and year-ahead load forecasts (min/max pairs, A60/A61) and the year-ahead margin.

Each keeps its natural grid (P1D per week-ahead week, P7D per month- or year-ahead group, one
P1Y point per year) and appears on its publication date (:mod:`app.sandbox.timeline`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.entsoe.areas import Area
from app.entsoe.items import DataType
from app.sandbox import timeline as tl
from app.sandbox.generator import AreaModel, band, hold_run, margin, quantity_text
from app.sandbox.series import Period, Series


def _margin_series(
    area: Area, model: AreaModel, first: date, stop: date, now_s: float
) -> list[Series]:
    """One A91 TimeSeries with a single P1Y point per published year."""
    zone = area.zone
    out: list[Series] = []
    # A year that begins before ``first`` (the area's first date) is not served.
    for year in range(
        first.year if (first.month, first.day) == (1, 1) else first.year + 1, stop.year
    ):
        published = tl.year_ahead_published(zone, year).timestamp()
        if published > now_s:
            break
        start, end = (
            tl.local_time(zone, date(year, 1, 1)),
            tl.local_time(zone, date(year + 1, 1, 1)),
        )
        text = quantity_text(margin(model, year))
        out.append(Series("A91", [Period.calendar([start], end, "P1Y", [text])]))
    return out


# data type -> (groups, step between points, resolution, error salt, whole MW, publication)
_GROUPS: dict[DataType, tuple[Any, timedelta, str, int, bool, Any]] = {
    DataType.WEEK_AHEAD: (
        tl.week_groups, tl.ONE_DAY, "P1D", 11, False,
        lambda zone, key, starts: tl.week_ahead_published(zone, key),
    ),
    DataType.MONTH_AHEAD: (
        tl.month_groups, tl.ONE_WEEK, "P7D", 23, False,
        lambda zone, key, starts: tl.month_ahead_published(zone, starts[0]),
    ),
    DataType.YEAR_AHEAD: (
        tl.year_groups, tl.ONE_WEEK, "P7D", 41, True,
        lambda zone, key, starts: tl.year_ahead_published(zone, key.year),
    ),
}  # fmt: skip


def forecast_series(
    data_type: DataType, area: Area, model: AreaModel, first: date, stop: date, now_s: float
) -> list[Series]:
    """Min/max pairs (A60, A61) per week, month or year group, or the margin."""
    if data_type is DataType.FORECAST_MARGIN:
        return _margin_series(area, model, first, stop, now_s)
    groups, step, resolution, salt, whole_mw, published_at = _GROUPS[data_type]
    zone = area.zone
    out: list[Series] = []
    for key, starts in groups(first, stop):
        published = published_at(zone, key, starts).timestamp()
        if published > now_s:
            break
        # The whole group is generated (plateaus run from its start), then cut to the window.
        bands = [
            band(model, [d + timedelta(days=n) for n in range(step.days)], salt, whole_mw)
            for d in starts
        ]
        lows = hold_run(model, [b[0] for b in bands], key.toordinal() + salt)
        highs = hold_run(model, [b[1] for b in bands], key.toordinal() + salt + 1)
        keep = [i for i, d in enumerate(starts) if first <= d < stop]
        if not keep:
            continue
        instants = [tl.local_time(zone, starts[i]) for i in keep]
        end = tl.local_time(zone, starts[keep[-1]] + step)
        for business_type, values in (("A60", lows), ("A61", highs)):
            texts = [quantity_text(values[i]) for i in keep]
            out.append(Series(business_type, [Period.calendar(instants, end, resolution, texts)]))
    return out
