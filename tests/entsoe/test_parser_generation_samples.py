"""Every real generation document in ../shared/entsoe-samples/real decodes exactly.

Expected values were read off the XML (position -> UTC start worked out by hand from the Period
start and resolution: position p of a PT15M Period is start + (p - 1) * 15 min), not produced by
the code under test. Where entsoe-py (a dev dependency) reads the same document, every value and
timestamp must also equal its reading.
"""

from __future__ import annotations

import itertools
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.domain.points import EnergyPoint
from app.entsoe import processor
from app.entsoe.areas import get_area
from app.entsoe.parser import Acknowledgement, MarketDocument, parse

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "entsoe-samples" / "real"

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no real samples at {SAMPLES}")

ES = "A75_A16_ES_PT15M_A03_20240615_21TS-B01-B20-in-out.xml"
FI = "A75_A16_FI_PT60M_A01_20230508-10_11TS.xml"
FR = "BONUS_A75_A16_FR_PT60M_A03_20240615_13TS-multiPeriod.xml"
NL_DAY_AHEAD = "A69_A01_NL_PT15M_A03_20240902_B16-B18-B19.xml"
FI_CURRENT = "A69_A18_FI_PT15M_A01_20240208-11_8TS-partial-last-day.xml"
FI_INTRADAY = "A69_A40_FI_PT15M_A01_20240208-10_6TS-partial-last-day.xml"
NL_FORECAST = "A71_A01_NL_PT15M_A03_20240902.xml"
NL_CAPACITY = "A68_A33_NL_P1Y_A03_2024_20TS-B01-B20.xml"

Series = tuple[str, str, str]  # (data_type, business_type, psr_type)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows_of(name: str) -> list[EnergyPoint]:
    return processor.process((SAMPLES / name).read_bytes())


def document(name: str) -> MarketDocument:
    doc = parse((SAMPLES / name).read_bytes())
    assert isinstance(doc, MarketDocument)
    return doc


def series(rows: list[EnergyPoint]) -> dict[Series, dict[datetime, Decimal]]:
    out: dict[Series, dict[datetime, Decimal]] = {}
    for r in rows:
        out.setdefault((r.meta.data_type, r.meta.business_type, r.meta.psr_type), {})[
            r.timestamp
        ] = r.quantity
    return out


def types(data_type: str, business_type: str, codes: str, count: int) -> dict[Series, int]:
    return {(data_type, business_type, c): count for c in codes.split()}


B01_B20 = " ".join(f"B{k:02d}" for k in range(1, 21))
# file -> (rows per series, first UTC start, last UTC start, resolution)
EXPECTED: dict[str, tuple[dict[Series, int], str, str, str]] = {
    ES: (types("generation", "A01", B01_B20, 96) | {("generation_consumption", "A01", "B10"): 96},
         "2024-06-14T22:00", "2024-06-15T21:45", "PT15M"),
    FI: (types("generation", "A01", "B01 B04 B05 B06 B08 B11 B14 B15 B17 B20", 48)
         | {("generation", "A93", "B19"): 48}, "2023-05-08T07:00", "2023-05-10T06:00", "PT60M"),
    FR: (types("generation", "A01", "B01 B04 B05 B06 B11 B12 B14 B16 B17 B18 B19", 24)
         | {("generation", "A01", "B10"): 3 + 5, ("generation_consumption", "A01", "B10"): 16},
         "2024-06-14T22:00", "2024-06-15T21:00", "PT60M"),
    NL_DAY_AHEAD: (types("wind_solar_day_ahead", "A94", "B16", 96)
                   | types("wind_solar_day_ahead", "A93", "B18 B19", 96),
                   "2024-09-01T22:00", "2024-09-02T21:45", "PT15M"),
    FI_CURRENT: (types("wind_solar_current", "A94", "B16", 3 * 96 + 32)
                 | types("wind_solar_current", "A93", "B19", 3 * 96 + 32),
                 "2024-02-07T22:00", "2024-02-11T05:45", "PT15M"),
    FI_INTRADAY: (types("wind_solar_intraday", "A94", "B16", 2 * 96 + 4)
                  | types("wind_solar_intraday", "A93", "B19", 2 * 96 + 4),
                  "2024-02-07T22:00", "2024-02-09T22:45", "PT15M"),
    NL_FORECAST: ({("generation_forecast", "A01", ""): 96},
                  "2024-09-01T22:00", "2024-09-02T21:45", "PT15M"),
    NL_CAPACITY: (types("installed_capacity", "A37", B01_B20, 1),
                  "2023-12-31T23:00", "2023-12-31T23:00", "P1Y"),
}  # fmt: skip


def test_the_table_covers_every_generation_document() -> None:
    prefixes = ("A68_", "A69_", "A71_", "A75_", "BONUS_A75_")
    assert {p.name for p in SAMPLES.iterdir() if p.name.startswith(prefixes)} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_generation_document_decodes_exactly(name: str) -> None:
    counts, first, last, resolution = EXPECTED[name]
    rows = rows_of(name)
    assert (
        Counter((r.meta.data_type, r.meta.business_type, r.meta.psr_type) for r in rows) == counts
    )
    assert len({r.key for r in rows}) == len(rows)  # one row per key
    stamps = sorted(r.timestamp for r in rows)
    assert (stamps[0], stamps[-1]) == (utc(first), utc(last))
    assert all(r.timestamp.tzinfo is UTC for r in rows)
    assert {(r.meta.resolution, r.meta.unit, r.meta.data_source) for r in rows} == {
        (resolution, "MAW", "entsoe")
    }


@pytest.mark.parametrize("name", [ES, FR, NL_DAY_AHEAD, FI_CURRENT, FI_INTRADAY, NL_FORECAST])
def test_each_day_starts_at_local_midnight_and_steps_without_holes(name: str) -> None:
    rows = rows_of(name)
    zone = get_area(rows[0].meta.area_code).zone
    step = timedelta(minutes=15 if rows[0].meta.resolution == "PT15M" else 60)
    for key, values in series(rows).items():
        if name == FR and key[2] == "B10":  # pumped storage: Periods within the day (below)
            continue
        stamps = sorted(values)
        assert stamps[0].astimezone(zone).strftime("%H:%M") == "00:00", key
        assert all(b - a == step for a, b in itertools.pairwise(stamps)), key


def test_spanish_a03_compression_fills_every_quarter_hour() -> None:
    s = series(rows_of(ES))
    gen = {code: s[("generation", "A01", code)] for code in B01_B20.split()}
    for code in ("B02", "B03", "B07", "B08", "B09", "B13", "B18"):  # one Point, 0, for all 96
        assert set(gen[code].values()) == {0}, code
    # B05: Points at positions 1 (248), 73 (244) and 74 (248) only.
    assert {t for t, q in gen["B05"].items() if q != 248} == {utc("2024-06-15T16:00")}
    assert gen["B05"][utc("2024-06-15T16:00")] == 244
    assert gen["B19"][utc("2024-06-14T22:15")] == 9536  # position 2 absent: holds position 1
    assert gen["B19"][utc("2024-06-14T22:30")] == 9232  # position 3
    assert gen["B01"][utc("2024-06-15T01:30")] == 468  # position 15 absent: holds 14
    assert gen["B01"][utc("2024-06-15T21:45")] == 488  # position 96
    # B10 generating: position 43 (08:30Z) is 0, the next Point is position 76 (16:45Z), 36.
    assert gen["B10"][utc("2024-06-15T08:30")] == 0
    assert gen["B10"][utc("2024-06-15T12:45")] == 0  # position 60
    assert gen["B10"][utc("2024-06-15T16:45")] == 36
    # B10 pumping (outBiddingZone): the last Point is position 88 with 0; 89..96 repeat it.
    pumping = s[("generation_consumption", "A01", "B10")]
    assert pumping[utc("2024-06-14T22:00")] == 24
    assert pumping[utc("2024-06-15T01:45")] == 1708  # position 16 absent: holds 15
    assert pumping[utc("2024-06-15T19:30")] == 36  # position 87
    assert [pumping[utc("2024-06-15T19:45") + k * timedelta(minutes=15)] for k in range(9)] == [
        0
    ] * 9  # positions 88..96


def test_finnish_hourly_window_wind_as_a93_and_types_out_of_order() -> None:
    doc = document(FI)
    assert [ts.psr_type for ts in doc.time_series][7:9] == ["B20", "B15"]  # as the file has them
    s = series(rows_of(FI))
    assert ("generation", "A01", "B19") not in s
    wind = s[("generation", "A93", "B19")]
    assert wind[utc("2023-05-08T07:00")] == 750  # 10:00 in Helsinki: a "last 48 hours" window
    assert wind[utc("2023-05-08T23:00")] == 3585  # position 17
    assert wind[utc("2023-05-10T06:00")] == 1355  # position 48
    assert s[("generation", "A01", "B15")][utc("2023-05-08T07:00")] == 3
    assert s[("generation", "A01", "B20")][utc("2023-05-09T00:00")] == 61  # position 18
    assert s[("generation", "A01", "B11")][utc("2023-05-10T06:00")] == 2318


def test_french_pumped_storage_in_two_periods_keeps_the_gap_between() -> None:
    points = processor.extract(document(FR))
    s = series(list(points.points))
    hours = [utc("2024-06-14T22:00") + k * timedelta(hours=1) for k in range(24)]
    generating = s[("generation", "A01", "B10")]
    assert generating == {
        **dict(zip(hours[:3], map(Decimal, (2057, 1403, 584)), strict=True)),
        **dict(zip(hours[19:], map(Decimal, (1247, 2119, 2033, 2410, 2092)), strict=True)),
    }
    pumping = s[("generation_consumption", "A01", "B10")]
    assert sorted(pumping) == hours[3:19]  # 01:00Z..16:00Z, exactly the other one's gap
    assert (pumping[hours[3]], pumping[hours[18]]) == (378, 1080)
    spans = [(c.start, c.end, c.complete) for c in points.covered
             if c.series == ("FR", "generation", "A01", "B10")]  # fmt: skip
    assert spans == [(hours[0], hours[3], True), (hours[19], hours[19] + timedelta(hours=5), True)]
    b06 = s[("generation", "A01", "B06")]
    assert [b06[hours[k]] for k in (0, 1, 3, 4, 6, 7)] == [611, 127, 124, 124, 124, 123]
    assert {b06[t] for t in hours[14:]} == {124}  # position 15 holds to the end (16..24 absent)
    assert set(s[("generation", "A01", "B05")].values()) == {0}
    solar = s[("generation", "A01", "B16")]
    assert [solar[hours[k]] for k in range(1, 7)] == [0, 0, 0, 0, 0, 451]


def test_dutch_solar_night_is_filled_with_the_last_zero() -> None:
    rows = rows_of(NL_DAY_AHEAD)
    assert {r.meta.revision_number for r in rows} == {3}
    s = series(rows)
    solar = s[("wind_solar_day_ahead", "A94", "B16")]
    assert solar[utc("2024-09-02T05:00")] == 0  # position 29, absent: holds position 1's 0
    assert solar[utc("2024-09-02T05:15")] == 27  # position 30
    assert solar[utc("2024-09-02T13:00")] == 3585  # position 61
    assert solar[utc("2024-09-02T19:00")] == 2  # position 85
    assert solar[utc("2024-09-02T19:15")] == 2  # position 86 absent: holds 85
    night = [utc("2024-09-02T19:30") + k * timedelta(minutes=15) for k in range(10)]
    assert [solar[t] for t in night] == [0] * 10  # position 87 is 0, 88..96 omitted
    assert s[("wind_solar_day_ahead", "A93", "B18")][utc("2024-09-02T13:30")] == 142  # pos 63
    assert s[("wind_solar_day_ahead", "A93", "B19")][utc("2024-09-02T21:45")] == 36


def test_finnish_current_and_intraday_days_and_partial_last_day() -> None:
    current = series(rows_of(FI_CURRENT))
    wind = current[("wind_solar_current", "A93", "B19")]
    assert wind[utc("2024-02-08T21:45")] == 2391  # last of the first day's TimeSeries
    assert wind[utc("2024-02-08T22:00")] == 2220  # first of the second day's
    assert wind[utc("2024-02-10T22:00")] == 1380  # the partial day: 32 Points
    assert wind[utc("2024-02-11T05:45")] == 1751
    solar = current[("wind_solar_current", "A94", "B16")]
    assert solar[utc("2024-02-08T05:30")] == 1 and solar[utc("2024-02-08T11:00")] == 172
    intraday = series(rows_of(FI_INTRADAY))[("wind_solar_intraday", "A93", "B19")]
    assert intraday[utc("2024-02-07T22:00")] == 2036  # the current forecast says 1860
    assert intraday[utc("2024-02-09T21:45")] == 486
    # the last "day" is a one-hour stub of 4 Points
    stub = {t: q for t, q in intraday.items() if t >= utc("2024-02-09T22:00")}
    assert stub[utc("2024-02-09T22:00")] == 470 and stub[utc("2024-02-09T22:45")] == 454
    assert len(stub) == 4


def test_generation_forecast_without_production_type() -> None:
    rows = rows_of(NL_FORECAST)
    assert {r.meta.psr_type for r in rows} == {""}
    values = series(rows)[("generation_forecast", "A01", "")]
    assert values[utc("2024-09-01T22:00")] == Decimal("7390.94")
    assert values[utc("2024-09-01T22:15")] == Decimal("7187.51")
    assert values[utc("2024-09-02T21:45")] == Decimal("8809.35")


def test_installed_capacity_one_point_per_type_at_local_new_year_zeros_kept() -> None:
    rows = rows_of(NL_CAPACITY)
    assert {r.timestamp for r in rows} == {utc("2023-12-31T23:00")}  # 2024-01-01 00:00 CET
    capacity = {r.meta.psr_type: r.quantity for r in rows}
    assert capacity == dict(zip(B01_B20.split(), map(Decimal, (
        418, 0, 0, 18476, 4012, 0, 0, 0, 0, 0, 38, 0, 0, 486, 0, 27980, 777, 4739, 6955, 1,
    )), strict=True))  # fmt: skip
    covered = {
        (c.start, c.end, c.complete) for c in processor.extract(document(NL_CAPACITY)).covered
    }
    assert covered == {(utc("2023-12-31T23:00"), utc("2024-12-31T23:00"), True)}


def test_generation_acknowledgement_gives_no_rows() -> None:
    content = (SAMPLES / "ACK_999_NoMatchingData_A73_BE_20230816.xml").read_bytes()
    ack = parse(content)
    assert isinstance(ack, Acknowledgement) and ack.is_no_data
    assert "ACTUAL_GENERATION_OUTPUT_PER_UNIT_R3 [16.1.A]" in ack.reasons[0].text
    assert processor.process(content) == []


@pytest.mark.parametrize("name", [ES, FI, FR, NL_DAY_AHEAD, FI_CURRENT, FI_INTRADAY])
def test_every_value_equals_entsoe_py(name: str) -> None:
    parsers = pytest.importorskip("entsoe.parsers")
    mappings = pytest.importorskip("entsoe.mappings")
    codes = {label: code for code, label in mappings.PSRTYPE_MAPPINGS.items()}
    with warnings.catch_warnings():  # BeautifulSoup warns about its HTML parser reading XML
        warnings.simplefilter("ignore")
        frame = parsers.parse_generation((SAMPLES / name).read_text(encoding="utf-8"))
    theirs = {}
    for column in frame.columns:
        label, metric = column if isinstance(column, tuple) else (column, "Actual Aggregated")
        direction = "out" if metric == "Actual Consumption" else "in"
        for stamp, value in frame[column].dropna().items():
            theirs[(codes[label], direction, stamp.to_pydatetime())] = value
    ours = {
        (r.meta.psr_type, "out" if r.meta.data_type == "generation_consumption" else "in",
         r.timestamp): float(r.quantity)
        for r in rows_of(name)
    }  # fmt: skip
    assert len(ours) == len(rows_of(name))  # business type does not tell series apart here
    assert ours == theirs
