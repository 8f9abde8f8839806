"""Processor rules on small synthetic documents: time steps, A01/A03, gaps, loud failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import structlog

from app.domain.points import EnergyPoint, SeriesMeta
from app.entsoe import processor
from app.entsoe.errors import MalformedXmlError, ProcessorError
from app.entsoe.parser import parse
from app.entsoe.processor import process
from tests.entsoe.xmlgen import TS, Doc, P, ack

PRAGUE = ZoneInfo("Europe/Prague")
LISBON = ZoneInfo("Europe/Lisbon")
H = timedelta(hours=1)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def series(rows: list[EnergyPoint]) -> list[tuple[datetime, Decimal]]:
    return [(r.timestamp, r.quantity) for r in rows]


# -- curve types -----------------------------------------------------------------------------

DAY = (utc("2024-01-01T00:00"), utc("2024-01-01T06:00"))


def test_a03_holds_each_point_until_the_next_and_the_last_until_period_end() -> None:
    doc = Doc([TS([P(*DAY, "PT60M", [(1, "10"), (3, "30"), (4, "40.5")])], curve_type="A03")])
    assert series(process(doc.xml())) == [
        (utc("2024-01-01T00:00"), 10), (utc("2024-01-01T01:00"), 10),
        (utc("2024-01-01T02:00"), 30),
        (utc("2024-01-01T03:00"), Decimal("40.5")), (utc("2024-01-01T04:00"), Decimal("40.5")),
        (utc("2024-01-01T05:00"), Decimal("40.5")),
    ]  # fmt: skip


def test_a03_without_position_1_invents_nothing_before_the_first_point() -> None:
    doc = Doc([TS([P(*DAY, "PT60M", [(3, "30")])], curve_type="A03")])
    assert [r.timestamp for r in process(doc.xml())] == [utc("2024-01-01T02:00") + k * H
                                                         for k in range(4)]  # fmt: skip


def test_a01_missing_positions_stay_gaps() -> None:
    doc = Doc([TS([P(*DAY, "PT60M", [(1, "10"), (3, "30"), (6, "60")])])])
    assert series(process(doc.xml())) == [
        (utc("2024-01-01T00:00"), 10), (utc("2024-01-01T02:00"), 30), (utc("2024-01-01T05:00"), 60)
    ]  # fmt: skip


def test_points_out_of_order_are_placed_by_position() -> None:
    doc = Doc([TS([P(*DAY, "PT60M", [(2, "20"), (1, "10")])], curve_type="A03")])
    rows = process(doc.xml())
    assert series(rows)[:2] == [(utc("2024-01-01T00:00"), 10), (utc("2024-01-01T01:00"), 20)]
    assert len(rows) == 6


def test_gap_between_periods_stays_a_gap() -> None:
    first = P(utc("2024-01-01T00:00"), utc("2024-01-01T02:00"), "PT60M", [(1, "1"), (2, "2")])
    second = P(utc("2024-01-01T04:00"), utc("2024-01-01T05:00"), "PT60M", [(1, "5")])
    rows = process(Doc([TS([first, second], curve_type="A03")]).xml())
    assert [r.timestamp.hour for r in rows] == [0, 1, 4]


@pytest.mark.parametrize("curve", ["A01", "A03"])
def test_positions_beyond_the_period_are_dropped_with_a_warning(
    curve: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    period = P(utc("2024-01-01T00:00"), utc("2024-01-01T02:00"), "PT60M",
               [(1, "1"), (2, "2"), (3, "3"), (9, "9")])  # fmt: skip
    with structlog.testing.capture_logs() as logs:
        monkeypatch.setattr(processor, "log", structlog.get_logger("test"))
        rows = process(Doc([TS([period], curve_type=curve)]).xml())
    assert series(rows) == [(utc("2024-01-01T00:00"), 1), (utc("2024-01-01T01:00"), 2)]
    (event,) = logs
    assert event["event"] == "processor.points_outside_period"
    assert event["log_level"] == "warning"
    assert event["dropped_positions"] == [3, 9]
    assert event["element"] == "TimeSeries[1]/Period[1]"


def test_min_and_max_keep_their_business_types() -> None:
    start, end = utc("2024-01-07T23:00"), utc("2024-01-14T23:00")
    low = TS([P(start, end, "P7D", [(1, "100")])], business_type="A60", mrid="1")
    high = TS([P(start, end, "P7D", [(1, "900")])], business_type="A61", mrid="2")
    rows = process(Doc([low, high], process_type="A31").xml())
    assert {(r.meta.business_type, r.quantity, r.meta.data_type) for r in rows} == {
        ("A60", 100, "week_ahead"), ("A61", 900, "week_ahead")}  # fmt: skip
    assert len({r.key for r in rows}) == 2


def test_each_series_meta_is_shared_and_complete() -> None:
    doc = Doc([TS([P(*DAY, "PT60M", [(1, "1"), (2, "2")])], mrid="ts-9", curve_type="A03")],
              mrid="m-1", revision="4", created="2024-01-02T03:04:05Z",
              process_type="A01")  # fmt: skip
    rows = processor.process(doc.xml(), data_source="entsoe-sandbox")
    assert len({id(r.meta) for r in rows}) == 1
    meta = rows[0].meta
    assert meta == SeriesMeta(
        area_code="CZ", data_type="day_ahead", business_type="A04", unit="MAW",
        resolution="PT60M", curve_type="A03", document_mrid="m-1", revision_number=4,
        document_created_at=utc("2024-01-02T03:04:05"), time_series_mrid="ts-9",
        data_source="entsoe-sandbox",
    )  # fmt: skip


def test_namespace_does_not_matter() -> None:
    period = [P(*DAY, "PT60M", [(1, "1")])]
    plain = process(Doc([TS(period)], namespace=None).xml())
    other = process(Doc([TS(period)], namespace="urn:example:gl:9:9").xml())
    assert series(plain) == series(other) == [(utc("2024-01-01T00:00"), 1)]


def test_acknowledgement_gives_no_rows() -> None:
    assert process(ack("No matching data found for Data item ...")) == []


# -- loud failures ---------------------------------------------------------------------------


def test_unknown_curve_type_names_document_and_element() -> None:
    doc = Doc([TS([P(*DAY, "PT60M", [(1, "1")])], curve_type="A02")], mrid="doc-7")
    with pytest.raises(ProcessorError, match=r"doc-7.*TimeSeries\[1\]/curveType.*A02"):
        parse(doc.xml())


def test_unknown_resolution_names_document_and_element() -> None:
    doc = Doc([TS([P(*DAY, "PT5M", [(1, "1")])])], mrid="doc-8")
    with pytest.raises(ProcessorError) as info:
        process(doc.xml())
    assert info.value.document_mrid == "doc-8"
    assert info.value.element == "TimeSeries[1]/Period[1]/resolution"
    assert "PT5M" in str(info.value)


def test_unknown_root_element() -> None:
    with pytest.raises(ProcessorError, match="Foo_MarketDocument: unknown root element"):
        parse(Doc(root="Foo_MarketDocument").xml())


@pytest.mark.parametrize("content", [b"", b"<GL_MarketDocument><mRID>x", b"not xml", b"\x00\x01"])
def test_malformed_bytes(content: bytes) -> None:
    with pytest.raises(MalformedXmlError):
        parse(content)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([(1, "1"), (1, "2")], "appears twice"),
        ([(1, "abc")], "not a number"),
        ([(0, "1")], "position below 1"),
    ],
)
def test_bad_points(points: list[tuple[int, str]], message: str) -> None:
    with pytest.raises(ProcessorError, match=message):
        process(Doc([TS([P(*DAY, "PT60M", points)])]).xml())


def test_period_that_is_not_whole_intervals_is_refused() -> None:
    period = P(utc("2024-01-01T00:00"), utc("2024-01-01T01:30"), "PT60M", [(1, "1")])
    with pytest.raises(ProcessorError, match="not a whole number of PT60M intervals"):
        process(Doc([TS([period])]).xml())


def test_unknown_area_business_type_and_item_are_refused() -> None:
    period = [P(*DAY, "PT60M", [(1, "1")])]
    with pytest.raises(ProcessorError, match=r"outBiddingZone_Domain\.mRID.*10YXX"):
        process(Doc([TS(period, area="10YXX-NOWHERE--1")]).xml())
    with pytest.raises(ProcessorError, match="businessType A60 not expected for actual"):
        process(Doc([TS(period, business_type="A60")]).xml())
    with pytest.raises(ProcessorError, match="not a document this service keeps"):
        process(Doc([TS(period)], document_type="A73").xml())
    # An A75's outBiddingZone series is what the zone consumes (pumped storage), not load; its
    # inBiddingZone series what it generates; both keep their production type.
    out, into = (
        TS(period, business_type="A01", psr_type="B10", direction=d, mrid=d) for d in ("out", "in")
    )
    rows = process(Doc([out, into], document_type="A75").xml())
    assert [(r.meta.data_type, r.meta.psr_type) for r in rows] == [
        ("generation_consumption", "B10"),
        ("generation", "B10"),
    ]
    with pytest.raises(ProcessorError, match="businessType A04 not expected for generation"):
        process(Doc([TS(period, direction="in")], document_type="A75").xml())
    with pytest.raises(ProcessorError, match="processType=A16 inBiddingZone"):
        process(Doc([TS(period, direction="in")]).xml())  # load has no generation side


def test_contradicting_series_in_one_document_are_refused() -> None:
    period = [P(*DAY, "PT60M", [(1, "1")])]
    with pytest.raises(
        ProcessorError, match=r"TimeSeries\[2\]/Period\[1\]: overlaps TimeSeries\[1\]/Period\[1\]"
    ):
        process(Doc([TS(period, mrid="1"), TS(period, mrid="2")]).xml())


def test_missing_mandatory_element_is_named() -> None:
    xml = (
        Doc([TS([P(*DAY, "PT60M", [(1, "1")])])])
        .xml()
        .replace(b"<revisionNumber>1</revisionNumber>", b"")
    )
    with pytest.raises(ProcessorError, match="revisionNumber: missing element"):
        parse(xml)


def test_naive_datetime_is_refused() -> None:
    xml = (
        Doc([TS([P(*DAY, "PT60M", [(1, "1")])])])
        .xml()
        .replace(b"2024-01-02T03:04:05Z", b"2024-01-02T03:04:05")
    )
    with pytest.raises(ProcessorError, match="createdDateTime: datetime without zone"):
        parse(xml)
