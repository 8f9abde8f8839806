"""GL_MarketDocuments -> :class:`app.domain.points.EnergyPoint` rows, exactly as ENTSO-E means them.

Time rules (:mod:`app.domain.timegrid`): every row's timestamp is the UTC start of its interval.
PTnM/PTnH resolutions step in UTC; P1D, P7D, P1M and P1Y step in the area's local calendar (so a
weekly point after a DST change still starts at local midnight); any other resolution is a
:class:`ProcessorError` naming the Period's resolution element. curveType A01 gives one row per
Point; A03 lets a Point hold until the next present position and the last one until the Period
end. Positions beyond their Period are dropped with a warning, never stored; gaps between Periods
stay gaps.

A Period outside the years 1900..2200 is rejected with all its points (logged
``processor.period_rejected``). A quantity the database cannot hold (not a finite number, or
beyond :func:`app.domain.points.storable`) rejects that point only: it is logged
(``processor.point_rejected``, with the document mRID, the Period's path and the position),
counted in :attr:`ProcessedPoints.rejected`, and its interval stays a gap; under A03 the value
before it does not run on over its span. Every Period is passed on as a
:class:`~app.domain.points.CoveredPeriod`: the document states its series completely there.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from operator import itemgetter, lt
from zoneinfo import ZoneInfo

import structlog

from app.domain.points import (
    QUANTITY_LIMIT,
    CoveredPeriod,
    EnergyPoint,
    ProcessedPoints,
    SeriesMeta,
    storable,
)
from app.domain.timegrid import RESOLUTIONS, boundaries
from app.entsoe.areas import get_area
from app.entsoe.errors import ProcessorError, UnknownAreaError
from app.entsoe.items import is_known_document, item_for
from app.entsoe.parser import Acknowledgement, MarketDocument, Period, TimeSeries, parse

log = structlog.get_logger(__name__)

# Rejected points logged one by one per Period; the rest of that Period's are logged as a count.
REJECTED_LOGGED = 10
_QUANTITY_SHOWN = 40  # characters of a rejected quantity a log line repeats
_OUT_OF_RANGE = "out of range: numeric(15,3) holds magnitudes below 1e12"
# Periods outside these years are refused point by point: no platform data lies there, and a
# timestamp such as 0001-01-01 would not even come back from the database as a datetime.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def process(content: bytes, *, data_source: str = "entsoe") -> list[EnergyPoint]:
    """Bytes of one reply -> rows; an acknowledgement gives no rows."""
    doc = parse(content)
    if isinstance(doc, Acknowledgement):
        return []
    return to_points(doc, data_source=data_source)


def to_points(doc: MarketDocument, *, data_source: str = "entsoe") -> list[EnergyPoint]:
    """The rows of :func:`extract`, without its Periods and counts."""
    return list(extract(doc, data_source=data_source).points)


def extract(doc: MarketDocument, *, data_source: str = "entsoe") -> ProcessedPoints:
    """Every row the document holds, one per (timestamp, area, data_type, business_type,
    psr_type), with the Periods they came from and the number of points rejected.

    Each TimeSeries' data type follows from the document's type and processType and the series'
    direction (an A75's inBiddingZone series are ``generation``, its outBiddingZone ones
    ``generation_consumption``). Rows come in document order (TimeSeries, Period, position).
    Overlapping Periods of one series would give a key two values: :class:`ProcessorError`.
    """
    if not is_known_document(doc.document_type, doc.process_type):
        raise ProcessorError(
            f"not a document this service keeps (type {doc.document_type},"
            f" processType {doc.process_type})",
            document_mrid=doc.mrid,
            element="type",
        )
    _check_no_overlap(doc)
    rows: list[EnergyPoint] = []
    covered: list[CoveredPeriod] = []
    rejected = 0
    for index, ts in enumerate(doc.time_series, 1):
        where = f"TimeSeries[{index}]"
        try:
            item = item_for(doc.document_type, doc.process_type, ts.direction)
        except KeyError as exc:
            raise ProcessorError(
                str(exc.args[0]),
                document_mrid=doc.mrid,
                element=f"{where}/{ts.direction}BiddingZone_Domain.mRID",
            ) from None
        if ts.business_type not in item.business_types:
            raise ProcessorError(
                f"businessType {ts.business_type} not expected for {item.data_type}",
                document_mrid=doc.mrid,
                element=f"{where}/businessType",
            )
        try:
            area = get_area(ts.area_eic)
        except UnknownAreaError as exc:
            raise ProcessorError(
                str(exc),
                document_mrid=doc.mrid,
                element=f"{where}/{ts.direction}BiddingZone_Domain.mRID",
            ) from None
        metas: dict[str, SeriesMeta] = {}
        for p_index, period in enumerate(ts.periods, 1):
            meta = metas.get(period.resolution)
            if meta is None:
                meta = metas[period.resolution] = SeriesMeta(
                    area_code=area.code,
                    data_type=item.data_type.value,
                    business_type=ts.business_type,
                    unit=ts.unit,
                    resolution=period.resolution,
                    curve_type=ts.curve_type,
                    document_mrid=doc.mrid,
                    revision_number=doc.revision_number,
                    document_created_at=doc.created_at,
                    time_series_mrid=ts.mrid,
                    data_source=data_source,
                    psr_type=ts.psr_type,
                )
            if not (period.start >= EARLIEST and period.end <= LATEST):
                rejected += _reject_period(doc, ts, period, f"{where}/Period[{p_index}]")
                continue
            before = len(rows)
            bad, intervals = _period_rows(
                doc, ts, period, meta, area.zone, f"{where}/Period[{p_index}]", rows
            )
            rejected += bad
            complete = len(rows) - before == intervals
            covered.append(CoveredPeriod(meta, period.start, period.end, complete))
    return ProcessedPoints(tuple(rows), tuple(covered), rejected)


def _period_rows(
    doc: MarketDocument,
    ts: TimeSeries,
    period: Period,
    meta: SeriesMeta,
    zone: ZoneInfo,
    where: str,
    rows: list[EnergyPoint],
) -> tuple[int, int]:
    """Append the Period's rows to ``rows``; return (points rejected, intervals in the Period)."""
    if period.resolution not in RESOLUTIONS:
        raise ProcessorError(
            f"unknown resolution {period.resolution!r}",
            document_mrid=doc.mrid,
            element=f"{where}/resolution",
        )
    bounds = boundaries(period.start, period.end, period.resolution, zone)
    if bounds[-1] != period.end:
        raise ProcessorError(
            f"{period.start:%Y-%m-%dT%H:%MZ}..{period.end:%Y-%m-%dT%H:%MZ} is not a whole number"
            f" of {period.resolution} intervals in {zone.key}",
            document_mrid=doc.mrid,
            element=f"{where}/timeInterval",
        )
    starts = bounds[:-1]
    n = len(starts)
    positions, quantities = period.positions, period.quantities
    count = len(positions)
    if (
        ts.curve_type == "A01"
        and count <= n
        and positions == tuple(range(1, count + 1))
        and _all_storable(quantities)
    ):
        rows.extend([EnergyPoint(t, q, meta) for t, q in zip(starts, quantities, strict=False)])
        return 0, n
    pairs = list(zip(positions, quantities, strict=True))
    if not all(map(lt, positions, positions[1:])):  # rarely: in order and distinct as a rule
        # By position only: a NaN quantity cannot be ordered.
        pairs.sort(key=itemgetter(0))
        if any(a[0] == b[0] for a, b in pairwise(pairs)):
            raise ProcessorError("a position appears twice", document_mrid=doc.mrid, element=where)
    outside = [p for p, _ in pairs if p > n]
    if outside:
        log.warning(
            "processor.points_outside_period",
            document_mrid=doc.mrid,
            time_series_mrid=ts.mrid,
            element=where,
            period_start=period.start.isoformat(),
            period_end=period.end.isoformat(),
            resolution=period.resolution,
            intervals=n,
            dropped_positions=outside,
        )
        pairs = pairs[: len(pairs) - len(outside)]
    bad = [] if _all_storable(quantities) else [(p, q) for p, q in pairs if not storable(q)]
    if bad:
        _log_rejected(doc, ts, where, starts, bad)
    if ts.curve_type == "A01":
        rows.extend([EnergyPoint(starts[p - 1], q, meta) for p, q in pairs if storable(q)])
        return len(bad), n
    # A03: each present position holds until the next present one, the last until Period end.
    # A rejected point still ends the span before it: its own span stays a gap. Most positions
    # are present, so a span of one is appended without building a list.
    append = rows.append
    stops = [p for p, _ in pairs[1:]] + [n + 1]
    for (pos, q), stop in zip(pairs, stops, strict=True):
        if bad and not storable(q):
            continue
        if stop == pos + 1:
            append(EnergyPoint(starts[pos - 1], q, meta))
        else:
            rows.extend([EnergyPoint(starts[k - 1], q, meta) for k in range(pos, stop)])
    return len(bad), n


def _reject_period(doc: MarketDocument, ts: TimeSeries, period: Period, where: str) -> int:
    """Log a Period outside [EARLIEST, LATEST) as rejected; return its point count."""
    log.warning(
        "processor.period_rejected",
        document_mrid=doc.mrid,
        time_series_mrid=ts.mrid,
        element=where,
        period_start=period.start.isoformat(),
        period_end=period.end.isoformat(),
        points=len(period.positions),
        reason=f"outside {EARLIEST:%Y}..{LATEST:%Y}",
    )
    return len(period.positions)


def _all_storable(quantities: tuple[Decimal, ...]) -> bool:
    """Whether every quantity is storable; min and max in C, since nearly always they all are."""
    if not quantities:
        return True
    try:
        return min(quantities) > -QUANTITY_LIMIT and max(quantities) < QUANTITY_LIMIT
    except InvalidOperation:  # a NaN cannot be compared
        return False


def _log_rejected(
    doc: MarketDocument,
    ts: TimeSeries,
    where: str,
    starts: list[datetime],
    bad: list[tuple[int, Decimal]],
) -> None:
    for position, quantity in bad[:REJECTED_LOGGED]:
        log.warning(
            "processor.point_rejected",
            document_mrid=doc.mrid,
            time_series_mrid=ts.mrid,
            element=where,
            position=position,
            interval_start=starts[position - 1].isoformat(),
            quantity=str(quantity)[:_QUANTITY_SHOWN],
            reason="not a finite number" if not quantity.is_finite() else _OUT_OF_RANGE,
        )
    if len(bad) > REJECTED_LOGGED:
        log.warning(
            "processor.points_rejected",
            document_mrid=doc.mrid,
            time_series_mrid=ts.mrid,
            element=where,
            more=len(bad) - REJECTED_LOGGED,
            positions=f"{bad[REJECTED_LOGGED][0]}..{bad[-1][0]}",
        )


def _check_no_overlap(doc: MarketDocument) -> None:
    """Rows within one Period are unique by construction (positions are); two Periods of the same
    series (area, direction, business type, production type) that overlap would give one key two
    values, which is contradictory."""
    spans: dict[tuple[str, str, str, str], list[tuple[datetime, datetime, str]]] = {}
    for index, ts in enumerate(doc.time_series, 1):
        series = (ts.area_eic, ts.direction, ts.business_type, ts.psr_type)
        for p_index, period in enumerate(ts.periods, 1):
            spans.setdefault(series, []).append(
                (period.start, period.end, f"TimeSeries[{index}]/Period[{p_index}]")
            )
    for periods in spans.values():
        periods.sort()
        for (_, end, first), (start, _, second) in pairwise(periods):
            if start < end:
                raise ProcessorError(
                    f"overlaps {first}: two values for the same intervals",
                    document_mrid=doc.mrid,
                    element=second,
                )
