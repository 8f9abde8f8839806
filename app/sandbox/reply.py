"""What the sandbox answers: (area, item, interval) at a clock reading -> a :class:`Reply`.

Like ENTSO-E's documents, a reply of actual or day-ahead load (PT15M/PT60M) covers exactly the
request and holds the intervals lying wholly inside it; the coarser forecasts keep their natural
grid, so their reply is the request widened to whole local days (P1D), weeks (P7D) or years
(P1Y). A reply holds only what is published at the clock reading: actual load up to
``actual_lag`` before it, day-ahead from 10:00 the day before, week-/month-/year-ahead and the
margin from their publication dates (see :mod:`app.sandbox.timeline`), nothing before the
area's first date. Actual load is split into TimeSeries at gaps and into Periods where the
resolution changes; day-ahead comes as one TimeSeries per local day; forecasts as min/max
(A60/A61) pairs per week, month or year. ``revisionNumber`` is 2 when the reply holds a
republished revised hour; ``createdDateTime`` is the clock reading (the time of the answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from app.entsoe.areas import Area, get_area
from app.entsoe.items import DataType
from app.sandbox import timeline as tl
from app.sandbox.config import SandboxConfig
from app.sandbox.generator import AreaModel, area_model, band, hold_run, margin, quantity_text
from app.sandbox.series import Period, Series, actual_series, day_ahead_series


class ExpectedPoint(NamedTuple):
    """One point a reply holds: UTC interval start, businessType, value in MW, resolution."""

    timestamp: datetime
    business_type: str
    quantity: Decimal
    resolution: str


@dataclass(frozen=True, slots=True)
class Reply:
    area: Area
    data_type: DataType
    start: datetime  # the document's time_Period.timeInterval, aware UTC
    end: datetime
    series: list[Series]
    revision_number: int
    created_at: datetime  # the clock reading the reply was made at, whole seconds

    @property
    def point_count(self) -> int:
        return sum(len(p.quantities) for s in self.series for p in s.periods)

    def expected(self) -> list[ExpectedPoint]:
        """Every point of the reply, in document order."""
        out: list[ExpectedPoint] = []
        for s in self.series:
            for p in s.periods:
                bt, res = s.business_type, p.resolution
                out.extend(
                    ExpectedPoint(datetime.fromtimestamp(t, UTC), bt, Decimal(q), res)
                    for t, q in zip(p.starts(), p.quantities, strict=True)
                )
        return out


#: Items at PT15M/PT60M: their document covers exactly the request.
EXACT_ITEMS = frozenset({DataType.ACTUAL, DataType.DAY_AHEAD})


def reply_window(
    area_code: str, data_type: DataType | str, start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    """The document interval (aware UTC) the sandbox answers a request for [start, end) with."""
    return _document_window(get_area(area_code), DataType(data_type), start, end)


def _document_window(
    area: Area, data_type: DataType, start: datetime, end: datetime
) -> tuple[datetime, datetime]:
    if data_type in EXACT_ITEMS:
        return start.astimezone(UTC), end.astimezone(UTC)
    first, stop = tl.aligned_dates(data_type, area.zone, start, end)
    return tl.local_time(area.zone, first), tl.local_time(area.zone, stop)


def expected_points(
    area_code: str,
    data_type: DataType | str,
    start: datetime,
    end: datetime,
    *,
    config: SandboxConfig,
    now: datetime | None = None,
) -> list[ExpectedPoint]:
    """Exactly the points a reply to this request holds at the sandbox clock (or ``now``).

    No window limit applies, so this also gives everything the sandbox holds for any range
    (widened like a document for the forecasts). An empty list is what the sandbox answers with
    "No matching data found".
    """
    return expected_reply(area_code, data_type, start, end, config=config, now=now).expected()


def expected_reply(
    area_code: str,
    data_type: DataType | str,
    start: datetime,
    end: datetime,
    *,
    config: SandboxConfig,
    now: datetime | None = None,
) -> Reply:
    """The whole reply (document interval, revisionNumber, createdDateTime, series) unwritten."""
    return build_reply(config, get_area(area_code), DataType(data_type), start, end, now)


def build_reply(
    config: SandboxConfig,
    area: Area,
    data_type: DataType,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> Reply:
    """The reply to a request for [start, end) at ``now`` (default: the sandbox clock)."""
    now = config.current_time() if now is None else now.astimezone(UTC)
    zone = area.zone
    first, stop = tl.aligned_dates(data_type, zone, start, end)  # whole local days, weeks, years
    days = (max(first, config.first_date(area.code)), stop)  # the document may start earlier
    model = area_model(config.seed, area.code)
    now_s = now.timestamp()
    window = (int(start.timestamp()), int(end.timestamp()))
    revision = 1
    if data_type is DataType.ACTUAL:
        series, revision = actual_series(config, area, model, days, window, now_s)
    elif data_type is DataType.DAY_AHEAD:
        series, revision = day_ahead_series(config, area, model, days, window, now_s)
    else:
        series = _forecast_series(data_type, area, model, *days, now_s)
    doc_start, doc_end = _document_window(area, data_type, start, end)
    return Reply(
        area=area,
        data_type=data_type,
        start=doc_start,
        end=doc_end,
        series=series,
        revision_number=revision,
        created_at=now.replace(microsecond=0),
    )


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


def _forecast_series(
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
