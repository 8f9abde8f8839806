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
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

from app.entsoe.areas import Area, get_area
from app.entsoe.items import GENERATION_TYPES, ITEMS, DataType
from app.sandbox import timeline as tl
from app.sandbox.config import SandboxConfig
from app.sandbox.generation_forecast import forecast_series, published_end
from app.sandbox.generation_series import Ask, actual_generation, installed_capacity
from app.sandbox.generator import area_model
from app.sandbox.load_forecasts import forecast_series as load_forecast_series
from app.sandbox.series import Series, actual_series, day_ahead_series


class ExpectedPoint(NamedTuple):
    """One point a reply holds: UTC interval start, businessType, value in MW, resolution,
    psrType ("" for load and totals)."""

    timestamp: datetime
    business_type: str
    quantity: Decimal
    resolution: str
    psr_type: str = ""


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

    def expected(self, direction: str | None = None) -> list[ExpectedPoint]:
        """Every point of the reply (of its series in ``direction`` only, when given: "in" for
        generation, "out" for consumption), in document order."""
        out: list[ExpectedPoint] = []
        for s in self.series:
            if direction is not None and s.direction != direction:
                continue
            for p in s.periods:
                bt, res, psr = s.business_type, p.resolution, s.psr_type
                out.extend(
                    ExpectedPoint(datetime.fromtimestamp(t, UTC), bt, Decimal(q), res, psr)
                    for t, q in zip(p.starts(), p.quantities, strict=True)
                )
        return out


#: Items at PT15M/PT60M: their document covers exactly the request (a rolling forecast's ends
#: where the forecast does, when that is earlier).
EXACT_ITEMS = frozenset(
    {DataType.ACTUAL, DataType.DAY_AHEAD}
    | {t for t in GENERATION_TYPES if t is not DataType.INSTALLED_CAPACITY}
)


def reply_window(
    area_code: str,
    data_type: DataType | str,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
) -> tuple[datetime, datetime]:
    """The document interval (aware UTC) the sandbox answers a request for [start, end) with
    (at ``now``, which only matters for the rolling intraday and current forecasts)."""
    return _document_window(get_area(area_code), DataType(data_type), start, end, now)


def _document_window(
    area: Area, data_type: DataType, start: datetime, end: datetime, now: datetime | None
) -> tuple[datetime, datetime]:
    if data_type in EXACT_ITEMS:
        rolling = published_end(data_type, now) if now is not None else None
        end = end if rolling is None else max(start, min(end, rolling))
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
    psr_type: str | None = None,
) -> list[ExpectedPoint]:
    """Exactly the points of ``data_type`` a reply to this request holds at the sandbox clock
    (or ``now``); with ``psr_type``, of a request narrowed to that production type.

    No window limit applies, so this also gives everything the sandbox holds for any range
    (widened like a document for the forecasts). An empty list is what the sandbox answers with
    "No matching data found". A generation data type fetched with another's request
    (``generation_consumption`` with ``generation``) gives only its own direction's points.
    """
    item = ITEMS[DataType(data_type)]
    reply = expected_reply(
        area_code, item.request, start, end, config=config, now=now, psr_type=psr_type
    )
    return reply.expected(item.direction if item.data_type in GENERATION_TYPES else None)


def expected_reply(
    area_code: str,
    data_type: DataType | str,
    start: datetime,
    end: datetime,
    *,
    config: SandboxConfig,
    now: datetime | None = None,
    psr_type: str | None = None,
) -> Reply:
    """The whole reply (document interval, revisionNumber, createdDateTime, series) unwritten."""
    area = get_area(area_code)
    return build_reply(config, area, DataType(data_type), start, end, now, psr_type)


def build_reply(
    config: SandboxConfig,
    area: Area,
    data_type: DataType,
    start: datetime,
    end: datetime,
    now: datetime | None = None,
    psr_type: str | None = None,
) -> Reply:
    """The reply to a request for [start, end) at ``now`` (default: the sandbox clock); a
    generation item's reply is its request's (both directions of A75 and A71)."""
    data_type = ITEMS[data_type].request
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
    elif data_type in GENERATION_TYPES:
        ask = Ask(config, area, days, window, now_s, psr_type)
        if data_type is DataType.GENERATION:
            series, revision = actual_generation(ask)
        elif data_type is DataType.INSTALLED_CAPACITY:
            series = installed_capacity(ask)
        else:
            series, revision = forecast_series(ask, data_type)
    else:
        series = load_forecast_series(data_type, area, model, *days, now_s)
    doc_start, doc_end = _document_window(area, data_type, start, end, now)
    return Reply(
        area=area,
        data_type=data_type,
        start=doc_start,
        end=doc_end,
        series=series,
        revision_number=revision,
        created_at=now.replace(microsecond=0),
    )
