"""Every real ENTSO-E reply in ../shared/entsoe-samples/real decodes, with values checked by hand.

Expected values were read off the XML by eye (position -> UTC start computed by hand from the
Period start and resolution), not produced by the code under test.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import structlog

from app.domain.points import EnergyPoint
from app.entsoe import processor
from app.entsoe.areas import get_area
from app.entsoe.errors import ProcessorError
from app.entsoe.parser import Acknowledgement, MarketDocument, parse
from app.entsoe.transport import unpack

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "entsoe-samples" / "real"

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no real samples at {SAMPLES}")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows_of(name: str) -> list[EnergyPoint]:
    return processor.process((SAMPLES / name).read_bytes())


def values(rows: list[EnergyPoint], business_type: str = "A04") -> dict[datetime, Decimal]:
    return {r.timestamp: r.quantity for r in rows if r.meta.business_type == business_type}


# file -> (rows, first UTC start, last UTC start, data_type, business types)
EXPECTED: dict[str, tuple[int, str, str, str, set[str]]] = {
    "A65_A16_CZ_PT60M_A03_20230303-06.xml": (
        72, "2023-03-03T00:00", "2023-03-05T23:00", "actual", {"A04"}),
    "A65_A01_CZ_PT60M_A03_20230814-17.xml": (
        72, "2023-08-14T00:00", "2023-08-16T23:00", "day_ahead", {"A04"}),
    "A65_A31_CZ_P1D_A03_week20230814_minmax.xml": (
        14, "2023-08-13T22:00", "2023-08-19T22:00", "week_ahead", {"A60", "A61"}),
    "A65_A33_CZ_P7D_A03_2023_compressed-position.xml": (
        104, "2023-01-01T23:00", "2023-12-24T23:00", "year_ahead", {"A60", "A61"}),
    "A70_A33_CZ_P1Y_A03_2023.xml": (
        1, "2022-12-31T23:00", "2022-12-31T23:00", "forecast_margin", {"A91"}),
    "A65_A16_NL_PT15M_A03_20240902.xml": (
        96, "2024-09-01T22:00", "2024-09-02T21:45", "actual", {"A04"}),
    "A65_A01_NL_PT15M_A03_20240902.xml": (
        96, "2024-09-01T22:00", "2024-09-02T21:45", "day_ahead", {"A04"}),
    "A65_A31_NL_P1D_A03_20240902_minmax.xml": (
        2, "2024-09-01T22:00", "2024-09-01T22:00", "week_ahead", {"A60", "A61"}),
    "A65_A32_NL_P7D_A03_week20240902_minmax.xml": (
        2, "2024-09-01T22:00", "2024-09-01T22:00", "month_ahead", {"A60", "A61"}),
    "A65_A16_BE_PT15M_A03_week20240115.xml": (
        672, "2024-01-14T23:00", "2024-01-21T22:45", "actual", {"A04"}),
    "A65_A16_CZ_PT60M_A01_2016_10TS-gaps_DST.xml": (
        8672, "2015-12-31T22:00", "2016-12-31T21:00", "actual", {"A04"}),
    "A65_A01_CZ_PT60M_A01_2016_366TS-daily_DST.xml": (
        8784, "2015-12-30T23:00", "2016-12-31T22:00", "day_ahead", {"A04"}),
    "A65_A31_CZ_P1D_A01_2016_106TS_minmax.xml": (
        742, "2015-12-27T23:00", "2016-12-31T23:00", "week_ahead", {"A60", "A61"}),
    "A65_A32_CZ_P7D_A01_2016_26TS_DST-weeks.xml": (
        112, "2015-12-06T23:00", "2016-12-25T23:00", "month_ahead", {"A60", "A61"}),
    "A65_A33_CZ_P7D_A01_2015-2016_4TS_points-exceed-interval.xml": (
        206, "2015-01-04T23:00", "2016-12-25T23:00", "year_ahead", {"A60", "A61"}),
    "A70_A33_CZ_P1Y_A01_2015-2016_2TS.xml": (
        2, "2014-12-31T23:00", "2015-12-31T23:00", "forecast_margin", {"A91"}),
    "A65_A16_CZ_PT60M_A01_2020_fullyear_1TS_DST.xml": (
        8784, "2019-12-31T23:00", "2020-12-31T22:00", "actual", {"A04"}),
    "A65_A16_CZ_PT60M_A01_20151231_1day.xml": (
        24, "2015-12-30T23:00", "2015-12-31T22:00", "actual", {"A04"}),
    "A65_A31_ME_P1D_A01_week20230102_minmax.xml": (
        14, "2023-01-01T23:00", "2023-01-07T23:00", "week_ahead", {"A60", "A61"}),
    "A65_A01_PL_PT15M_A01_20250101-07_6TS.xml": (
        576, "2024-12-31T23:00", "2025-01-06T22:45", "day_ahead", {"A04"}),
    "A65_A16_DK1_PT60M_A01_20231228_partial-latest.xml": (
        47, "2023-12-28T15:00", "2023-12-30T13:00", "actual", {"A04"}),
}  # fmt: skip

ACKS = {
    "ACK_999_NoMatchingData_A65_A32_invalid-domain_2026.xml": True,
    "ACK_999_NoMatchingData_A65_A01_DE-AT-LU.xml": True,
    "ACK_999_HTTP400_mandatory-param-missing.xml": False,
    "ACK_999_DeliveredTimeIntervalNotValid_A65_A16_PL.xml": False,
    "ACK_999_BadRequest.xml": False,
    "ACK_999_NoMatchingData_A44_NL_20230220.xml": True,
    "ACK_999_NoMatchingData_A73_BE_20230816.xml": True,
}


def test_the_tables_cover_every_load_document_and_acknowledgement() -> None:
    names = {p.name for p in SAMPLES.iterdir() if p.name.startswith(("A65_", "A70_", "ACK_"))}
    assert names == set(EXPECTED) | set(ACKS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_load_document_decodes_exactly(name: str) -> None:
    count, first, last, data_type, business_types = EXPECTED[name]
    rows = rows_of(name)
    stamps = sorted(r.timestamp for r in rows)
    assert len(rows) == count
    assert (stamps[0], stamps[-1]) == (utc(first), utc(last))
    assert {r.meta.data_type for r in rows} == {data_type}
    assert {r.meta.business_type for r in rows} == business_types
    assert len({r.key for r in rows}) == count  # one row per key
    assert all(r.timestamp.tzinfo is UTC and r.timestamp.second == 0 for r in rows)
    assert {r.meta.unit for r in rows} == {"MAW"}
    assert {r.meta.data_source for r in rows} == {"entsoe"}


@pytest.mark.parametrize("name", sorted(ACKS))
def test_every_acknowledgement_decodes(name: str) -> None:
    ack = parse((SAMPLES / name).read_bytes())
    assert isinstance(ack, Acknowledgement)
    assert ack.reasons[0].code == "999"
    assert ack.is_no_data is ACKS[name]
    assert processor.process((SAMPLES / name).read_bytes()) == []


def test_acknowledgement_reason_text_is_decoded() -> None:
    ack = parse((SAMPLES / "ACK_999_NoMatchingData_A65_A32_invalid-domain_2026.xml").read_bytes())
    assert isinstance(ack, Acknowledgement)
    assert ack.mrid == "b62ba353-ffd8-4"
    assert ack.created_at == datetime(2026, 5, 7, 13, 17, 28, tzinfo=UTC)
    assert ack.reasons[0].text.startswith(
        "No matching data found for Data item TOTAL_LOAD_FORECAST [6.1.C&D&E]"
    )


def test_document_metadata_reaches_every_row() -> None:
    doc = parse((SAMPLES / "A65_A16_CZ_PT60M_A03_20230303-06.xml").read_bytes())
    assert isinstance(doc, MarketDocument)
    assert (doc.mrid, doc.revision_number, doc.document_type, doc.process_type) == (
        "ec0cd083a50e472da3974d27591c8f83", 1, "A65", "A16")  # fmt: skip
    assert doc.created_at == datetime(2026, 5, 7, 13, 17, 27, tzinfo=UTC)
    assert (doc.start, doc.end) == (utc("2023-03-03T00:00"), utc("2023-03-06T00:00"))
    ts = doc.time_series[0]
    assert (ts.mrid, ts.business_type, ts.object_aggregation, ts.area_eic, ts.unit) == (
        "1", "A04", "A01", "10YCZ-CEPS-----N", "MAW")  # fmt: skip
    rows = processor.to_points(doc)
    meta = rows[0].meta
    assert all(r.meta is meta for r in rows)  # one SeriesMeta per series
    assert (meta.area_code, meta.resolution, meta.curve_type, meta.time_series_mrid) == (
        "CZ", "PT60M", "A03", "1")  # fmt: skip
    assert meta.document_mrid == "ec0cd083a50e472da3974d27591c8f83"
    assert meta.revision_number == 1
    assert meta.document_created_at == datetime(2026, 5, 7, 13, 17, 27, tzinfo=UTC)
    assert values(rows)[utc("2023-03-03T00:00")] == Decimal("7146.17")
    assert values(rows)[utc("2023-03-05T23:00")] == Decimal("6854.99")


def test_full_year_hourly_is_continuous_in_utc_across_both_dst_changes() -> None:
    rows = rows_of("A65_A16_CZ_PT60M_A01_2020_fullyear_1TS_DST.xml")
    stamps = [r.timestamp for r in rows]
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(stamps))
    v = values(rows)
    assert v[utc("2019-12-31T23:00")] == 5612  # position 1
    assert v[utc("2020-03-29T00:00")] == 5663  # position 2114
    assert v[utc("2020-03-29T01:00")] == 5824  # position 2115: 03:00 CEST, clocks jumped
    assert v[utc("2020-10-25T00:00")] == 5512  # position 7154: 02:00 CEST
    assert v[utc("2020-10-25T01:00")] == 5319  # position 7155: 02:00 CET, the repeated hour
    assert v[utc("2020-12-31T22:00")] == 6271  # position 8784


def test_daily_series_have_23_and_25_hours_on_dst_days() -> None:
    rows = rows_of("A65_A01_CZ_PT60M_A01_2016_366TS-daily_DST.xml")
    per_series = Counter(r.meta.time_series_mrid for r in rows)
    assert sorted(set(per_series.values())) == [23, 24, 25]
    spring = [r for r in rows if utc("2016-03-26T23:00") <= r.timestamp < utc("2016-03-27T22:00")]
    autumn = [r for r in rows if utc("2016-10-29T22:00") <= r.timestamp < utc("2016-10-30T23:00")]
    assert len(spring) == 23 and len({r.meta.time_series_mrid for r in spring}) == 1
    assert len(autumn) == 25 and len({r.meta.time_series_mrid for r in autumn}) == 1
    v = values(rows)
    assert v[utc("2016-03-26T23:00")] == 5911
    assert v[utc("2016-03-27T21:00")] == 6100  # 23rd and last hour of the short day
    assert v[utc("2016-10-29T22:00")] == 5734
    assert v[utc("2016-10-30T22:00")] == 6767  # 25th and last hour of the long day
    assert v[utc("2016-10-30T23:00")] == 6365  # the next day's first hour


def test_ten_time_series_split_at_gaps_keep_the_gaps() -> None:
    rows = rows_of("A65_A16_CZ_PT60M_A01_2016_10TS-gaps_DST.xml")
    assert len({r.meta.time_series_mrid for r in rows}) == 10
    stamps = {r.timestamp for r in rows}
    hour = timedelta(hours=1)
    every_hour = {utc("2015-12-31T22:00") + k * hour for k in range(8784)}
    missing = sorted(every_hour - stamps)
    assert len(missing) == 112
    assert missing[0] == utc("2016-01-23T11:00")
    # the longest gap, 2016-11-10T07:00Z..11-14T15:00Z, stays empty: 104 hours
    assert utc("2016-11-10T07:00") in missing and utc("2016-11-14T14:00") in missing
    assert utc("2016-11-14T15:00") not in missing
    v = values(rows)
    assert v[utc("2016-01-23T10:00")] == 9148  # last point of the first series
    assert v[utc("2016-01-23T12:00")] == 9098  # first point of the second
    assert v[utc("2016-11-14T15:00")] == 9683


def test_quarter_hour_week_in_one_period() -> None:
    rows = rows_of("A65_A16_BE_PT15M_A03_week20240115.xml")
    stamps = [r.timestamp for r in rows]
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(stamps))
    v = values(rows)
    assert v[utc("2024-01-14T23:00")] == Decimal("9728.1")
    assert v[utc("2024-01-14T23:15")] == Decimal("9583.13")
    assert v[utc("2024-01-15T23:00")] == Decimal("10183.3")  # position 97
    assert v[utc("2024-01-21T22:45")] == Decimal("9128.59")
    assert {r.meta.resolution for r in rows} == {"PT15M"}


def test_quarter_hours_in_six_daily_series() -> None:
    rows = rows_of("A65_A01_PL_PT15M_A01_20250101-07_6TS.xml")
    assert Counter(r.meta.time_series_mrid for r in rows).most_common()[-1][1] == 96
    v = values(rows)
    assert v[utc("2024-12-31T23:00")] == 13900
    assert v[utc("2025-01-01T22:45")] == 13250
    assert v[utc("2025-01-01T23:00")] == 12950
    assert v[utc("2025-01-06T22:45")] == 15150


def test_a03_omitted_position_takes_the_previous_value() -> None:
    rows = rows_of("A65_A33_CZ_P7D_A03_2023_compressed-position.xml")
    maxima, minima = values(rows, "A61"), values(rows, "A60")
    assert len(maxima) == len(minima) == 52  # 51 Points, 52 positions
    assert maxima[utc("2023-01-01T23:00")] == 11062  # position 1
    assert maxima[utc("2023-01-08T23:00")] == 11372  # position 2
    assert maxima[utc("2023-01-15T23:00")] == 11372  # position 3, absent: holds position 2
    assert maxima[utc("2023-01-22T23:00")] == 11473  # position 4
    assert maxima[utc("2023-12-24T23:00")] == 9067  # position 52
    assert minima[utc("2023-01-15T23:00")] == 7509


def test_weekly_min_max_start_at_local_midnight_across_dst() -> None:
    rows = rows_of("A65_A33_CZ_P7D_A03_2023_compressed-position.xml")
    starts = sorted(values(rows, "A60"))
    # Mondays 00:00 in Prague: CET is 23:00Z the day before, CEST 22:00Z.
    assert utc("2023-03-19T23:00") in starts and utc("2023-03-26T22:00") in starts
    assert utc("2023-10-22T22:00") in starts and utc("2023-10-29T23:00") in starts
    assert utc("2023-03-26T23:00") not in starts
    assert {s.astimezone(get_area("CZ").zone).strftime("%a %H:%M") for s in starts} == {"Mon 00:00"}


def test_month_ahead_weeks_in_periods_that_cross_dst() -> None:
    rows = rows_of("A65_A32_CZ_P7D_A01_2016_26TS_DST-weeks.xml")
    minima = values(rows, "A60")
    # Period 2016-03-06T23:00Z..2016-04-03T22:00Z: four weeks, the fourth after the change
    assert [minima[utc(t)] for t in ("2016-03-06T23:00", "2016-03-13T23:00", "2016-03-20T23:00",
                                     "2016-03-27T22:00")] == [6568, 6394, 6053, 5991]  # fmt: skip
    # Period 2016-10-02T22:00Z..2016-11-06T23:00Z: five weeks, the fifth after the change back
    assert minima[utc("2016-10-23T22:00")] == 6124
    assert minima[utc("2016-10-30T23:00")] == 6433
    assert values(rows, "A61")[utc("2016-10-30T23:00")] == 9988


def test_week_ahead_min_and_max_are_separate_rows() -> None:
    rows = rows_of("A65_A31_CZ_P1D_A03_week20230814_minmax.xml")
    assert values(rows, "A60")[utc("2023-08-13T22:00")] == 4839
    assert values(rows, "A61")[utc("2023-08-13T22:00")] == 8053
    assert values(rows, "A60")[utc("2023-08-19T22:00")] == 4408
    assert values(rows, "A61")[utc("2023-08-19T22:00")] == 6624
    assert {r.meta.resolution for r in rows} == {"P1D"}


def test_one_point_yearly_margin() -> None:
    (row,) = rows_of("A70_A33_CZ_P1Y_A03_2023.xml")
    assert row.timestamp == utc("2022-12-31T23:00")  # 2023-01-01 00:00 in Prague
    assert row.quantity == 745
    assert (row.meta.data_type, row.meta.business_type, row.meta.resolution) == (
        "forecast_margin", "A91", "P1Y")  # fmt: skip
    margins = values(rows_of("A70_A33_CZ_P1Y_A01_2015-2016_2TS.xml"), "A91")
    assert margins == {utc("2014-12-31T23:00"): 656, utc("2015-12-31T23:00"): 2841}


def test_partial_latest_document_stops_where_its_period_stops() -> None:
    rows = rows_of("A65_A16_DK1_PT60M_A01_20231228_partial-latest.xml")
    assert {r.meta.area_code for r in rows} == {"DK_1"}
    v = values(rows)
    assert v[utc("2023-12-28T15:00")] == 3031
    assert v[utc("2023-12-30T13:00")] == 2723
    assert max(v) < utc("2023-12-30T14:00")  # nothing invented up to the document end


def test_points_beyond_their_period_are_dropped_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The 2015 Periods span 51 weeks but carry 52 Points. The stated end wins over guessing
    that the Period end is a week short: position 52 is dropped, loudly."""
    with structlog.testing.capture_logs() as logs:
        monkeypatch.setattr(processor, "log", structlog.get_logger("test"))
        rows = rows_of("A65_A33_CZ_P7D_A01_2015-2016_4TS_points-exceed-interval.xml")
    dropped = [e for e in logs if e["event"] == "processor.points_outside_period"]
    assert len(dropped) == 2 and all(e["log_level"] == "warning" for e in dropped)
    assert all(e["dropped_positions"] == [52] and e["intervals"] == 51 for e in dropped)
    assert dropped[0]["document_mrid"] == "3787f06bee9a4f61adb04853f332b353"
    minima = values(rows, "A60")
    assert minima[utc("2015-12-20T23:00")] == 6022  # position 51, the last kept
    assert utc("2015-12-27T23:00") not in minima  # position 52 (5885) is not stored
    assert minima[utc("2016-01-03T23:00")] == 6882  # the 2016 series starts after the gap
    assert len(values(rows, "A61")) == 51 + 52


def test_price_documents_are_refused_by_name() -> None:
    for name in ("BONUS_A44_NL_PT60M_A03_20240902.xml",
                 "BONUS_A44_ES_PT60M-to-PT15M_A03_20250929-1003.xml"):  # fmt: skip
        with pytest.raises(ProcessorError, match="Publication_MarketDocument: unknown root"):
            parse((SAMPLES / name).read_bytes())


def test_zip_sample_unpacks_to_one_document_of_an_unknown_kind() -> None:
    (member,) = unpack((SAMPLES / "ZIP_A86_imbalance-volumes_AT_20231104.zip").read_bytes())
    with pytest.raises(ProcessorError, match="Balancing_MarketDocument") as info:
        parse(member)
    assert info.value.element == "Balancing_MarketDocument"
