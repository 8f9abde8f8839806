"""Quantities the database cannot hold are rejected point by point, and every Period is passed on
as a CoveredPeriod (complete when it holds a point for each of its intervals)."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import structlog

from app.domain.points import CoveredPeriod, storable
from app.entsoe import processor
from app.entsoe.errors import ProcessorError
from app.entsoe.parser import MarketDocument, parse
from app.entsoe.processor import REJECTED_LOGGED, extract, process
from tests.entsoe.xmlgen import TS, Doc, P

H = timedelta(hours=1)
T0 = datetime(2024, 1, 1, tzinfo=UTC)
SIX = (T0, T0 + 6 * H)


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MutableMapping[str, Any]]]:
    with structlog.testing.capture_logs() as captured:
        monkeypatch.setattr(processor, "log", structlog.get_logger("test"))
        yield captured


def document(xml: bytes) -> MarketDocument:
    doc = parse(xml)
    assert isinstance(doc, MarketDocument)
    return doc


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("999999999999.999", True), ("-999999999999.999", True), ("999999999999.9994", True),
        ("1E-20000", True), ("999999999999.9995", False), ("1000000000000", False),
        ("-1E12", False), ("1E309", False), ("NaN", False), ("sNaN", False),
        ("Infinity", False), ("-Infinity", False),
    ],
)  # fmt: skip
def test_storable_is_the_columns_range_after_rounding(text: str, ok: bool) -> None:
    assert storable(Decimal(text)) is ok


@pytest.mark.parametrize("bad", ["1000000000000", "1E309", "NaN", "Infinity", "-Infinity", "sNaN"])
def test_a01_rejects_the_point_keeps_the_rest(bad: str, logs: list[Any]) -> None:
    points = [(1, "10"), (2, bad), (3, "30"), (4, "40"), (5, "50"), (6, "60")]
    xml = Doc([TS([P(*SIX, "PT60M", points)], mrid="ts-7")], mrid="doc-9").xml()
    result = extract(document(xml))
    assert [(p.timestamp, p.quantity) for p in result.points] == [
        (T0 + k * H, Decimal(10 * (k + 1))) for k in (0, 2, 3, 4, 5)
    ]
    assert result.rejected == 1
    (event,) = logs
    assert event["event"] == "processor.point_rejected" and event["log_level"] == "warning"
    assert (event["document_mrid"], event["time_series_mrid"]) == ("doc-9", "ts-7")
    assert (event["element"], event["position"]) == ("TimeSeries[1]/Period[1]", 2)
    assert event["interval_start"] == (T0 + H).isoformat()
    assert event["quantity"] == str(Decimal(bad))


def test_a03_rejected_point_is_a_gap_over_its_whole_span(logs: list[Any]) -> None:
    # 1 holds over 1-2, 3 (rejected) would hold over 3-4, 5 over 5-6
    points = [(1, "10"), (3, "1e12"), (5, "50")]
    result = extract(document(Doc([TS([P(*SIX, "PT60M", points)], curve_type="A03")]).xml()))
    assert [(p.timestamp, p.quantity) for p in result.points] == [
        (T0, 10), (T0 + H, 10), (T0 + 4 * H, 50), (T0 + 5 * H, 50)
    ]  # fmt: skip
    assert result.rejected == 1 and [e["position"] for e in logs] == [3]


def test_rejected_points_beyond_a_few_are_counted_not_listed(logs: list[Any]) -> None:
    day = (T0, T0 + 24 * H)
    points = [(k, "NaN" if k > 2 else "1") for k in range(1, 25)]
    result = extract(document(Doc([TS([P(*day, "PT60M", points)])]).xml()))
    assert result.rejected == 22 and len(result.points) == 2
    singles = [e for e in logs if e["event"] == "processor.point_rejected"]
    assert [e["position"] for e in singles] == list(range(3, 3 + REJECTED_LOGGED))
    (rest,) = [e for e in logs if e["event"] == "processor.points_rejected"]
    assert rest["more"] == 22 - REJECTED_LOGGED and rest["positions"] == "13..24"


def test_a_duplicate_position_with_a_nan_is_still_a_duplicate() -> None:
    with pytest.raises(ProcessorError, match="appears twice"):
        process(Doc([TS([P(*SIX, "PT60M", [(1, "NaN"), (1, "NaN")])])]).xml())


def test_every_period_is_covered_and_complete_only_when_whole() -> None:
    second = (T0 + 6 * H, T0 + 12 * H)
    third = (T0 + 12 * H, T0 + 18 * H)
    fourth = (T0 + 18 * H, T0 + 24 * H)
    whole = [(k, "1") for k in range(1, 7)]
    xml = Doc(
        [
            TS([P(*SIX, "PT60M", whole)], mrid="1"),  # whole
            TS([P(*second, "PT60M", whole[:5])], mrid="2"),  # the last hour missing
            TS([P(*third, "PT60M", [(1, "1"), (2, "1e15"), *whole[2:]])], mrid="3"),  # rejected
            TS([P(*fourth, "PT60M", [(2, "1")])], mrid="4", curve_type="A03"),  # starts late
        ]
    ).xml()
    result = extract(document(xml))
    assert [(c.start, c.end, c.complete) for c in result.covered] == [
        (*SIX, True), (*second, False), (*third, False), (*fourth, False)
    ]  # fmt: skip
    assert all(
        isinstance(c, CoveredPeriod) and c.meta.resolution == "PT60M" for c in result.covered
    )
    assert [c.meta.time_series_mrid for c in result.covered] == ["1", "2", "3", "4"]
    # A03 filling every interval from position 1 is complete
    a03 = extract(document(Doc([TS([P(*SIX, "PT60M", [(1, "5")])], curve_type="A03")]).xml()))
    assert [c.complete for c in a03.covered] == [True] and len(a03.points) == 6


def test_a_period_whose_every_point_is_rejected_is_still_covered() -> None:
    result = extract(document(Doc([TS([P(*SIX, "PT60M", [(1, "NaN")])])]).xml()))
    assert result.points == () and result.rejected == 1
    assert [(c.start, c.end) for c in result.covered] == [SIX]


def test_a_period_outside_1900_to_2200_is_rejected_the_rest_kept(logs: list[Any]) -> None:
    """Year 1 would be stored as -infinity by asyncpg and could not be read back."""
    ancient = (datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 1, 2, tzinfo=UTC))
    xml = Doc(
        [TS([P(*ancient, "PT60M", [(1, "5"), (2, "6")])], mrid="old"),
         TS([P(*SIX, "PT60M", [(1, "10")])], mrid="new")],
        mrid="doc-3",
    ).xml()  # fmt: skip
    result = extract(document(xml))
    assert [(p.timestamp, p.meta.time_series_mrid) for p in result.points] == [(T0, "new")]
    assert result.rejected == 2
    assert [c.meta.time_series_mrid for c in result.covered] == ["new"]
    (event,) = logs
    assert event["event"] == "processor.period_rejected"
    assert (event["element"], event["points"]) == ("TimeSeries[1]/Period[1]", 2)
