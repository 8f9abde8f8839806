"""Generation documents as the platform writes them: A03 compression, gaps, partial rolling
forecasts, the resolution switch, revisions, and the series of other real A75 documents."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.entsoe.areas import get_area
from app.entsoe.items import DataType
from app.entsoe.parser import Acknowledgement, MarketDocument, parse
from app.sandbox import ManualClock, SandboxConfig, expected_points
from app.sandbox.generation_mix import types_on
from app.sandbox.generator import gap_hours, revised_hours
from app.sandbox.series import hours_in
from tests.sandbox.support import NOW, ask, of_type, point_tuples, rows, utc

DAY = (utc("2024-06-14T22:00"), utc("2024-06-15T22:00"))
QUIET = SandboxConfig(now=NOW, gap_share=0.0, revision_share=0.0)


def _doc(body: bytes) -> MarketDocument:
    doc = parse(body)
    assert isinstance(doc, MarketDocument), body[:500]
    return doc


def _reason(body: bytes) -> str:
    ack = parse(body)
    assert isinstance(ack, Acknowledgement), body[:300]
    return ack.reasons[0].text


def test_a03_leaves_out_repeats_and_decodes_to_the_full_grid() -> None:
    a01 = ask(replace(QUIET, curve_type="A01"), "NL", DataType.GENERATION, *DAY)
    a03 = ask(replace(QUIET, curve_type="A03"), "NL", DataType.GENERATION, *DAY)
    assert a03.body.count(b"<Point>") < a01.body.count(b"<Point>") // 2
    assert point_tuples(rows(a03.body)) == point_tuples(rows(a01.body))
    doc = _doc(a03.body)
    series = {ts.psr_type: ts for ts in doc.time_series}
    assert len(series) == 20  # NL publishes all of B01..B20
    assert series["B02"].periods[0].positions == (1,)  # no lignite: one zero for 96 intervals
    solar = series["B16"].periods[0]
    assert solar.positions[-1] < 96 and solar.quantities[-1] == 0  # the night is left out
    decoded = Counter(p.meta.psr_type for p in rows(a03.body))
    assert set(decoded.values()) == {96}


def test_a_gap_splits_every_series_and_stays_a_gap() -> None:
    config = SandboxConfig(now=NOW, gap_share=0.01, revision_share=0.0)
    window = (utc("2024-02-04T23:00"), utc("2024-02-18T23:00"))
    lo, hi = (int(t.timestamp()) for t in window)
    missing = set(hours_in(0, "NL/generation", "gaps", 0.01, lo, hi))
    assert missing and missing <= gap_hours(0, "NL/generation", 2024, 0.01)
    runs = len(missing) - sum(1 for h in missing if h - 1 in missing) + 1
    reply = ask(config, "NL", DataType.GENERATION, *window)
    doc = _doc(reply.body)
    assert Counter(ts.psr_type for ts in doc.time_series) == dict.fromkeys(
        types_on("NL", window[0].date()), runs
    )
    got = rows(reply.body)
    assert len(got) == 20 * (14 * 96 - 4 * len(missing))
    assert not {int(p.timestamp.timestamp()) // 3600 for p in got} & missing
    assert point_tuples(got) == sorted(expected_points("NL", "generation", *window, config=config))


@pytest.mark.parametrize(
    ("data_type", "end", "points"),
    [
        (DataType.WIND_SOLAR_INTRADAY, utc("2024-02-10T00:00"), 4),
        (DataType.WIND_SOLAR_CURRENT, utc("2024-02-10T19:00"), 80),
    ],
)
def test_rolling_forecasts_end_with_a_partial_day(
    data_type: DataType, end: datetime, points: int
) -> None:
    # Intraday reaches five hours past the last full hour, current a day (Fingrid's documents).
    now = utc("2024-02-09T19:33")
    config = SandboxConfig(now=now)
    reply = ask(config, "NL", data_type, utc("2024-02-06T23:00"), utc("2024-02-12T23:00"))
    doc = _doc(reply.body)
    assert (doc.start, doc.end) == (utc("2024-02-06T23:00"), end)  # ends where the data does
    assert [ts.psr_type for ts in doc.time_series] == ["B16", "B18", "B19"] * 4  # per local day
    last = doc.time_series[-3:]
    assert {(ts.periods[0].start, ts.periods[0].end) for ts in last} == {
        (utc("2024-02-09T23:00"), end)
    }
    got = rows(reply.body)
    assert len(got) == 3 * (3 * 96 + points)
    assert max(p.timestamp for p in got) == end - timedelta(minutes=15)
    assert point_tuples(got) == sorted(
        expected_points("NL", data_type, *(doc.start, utc("2024-02-12T23:00")), config=config)
    )
    later = SandboxConfig(now=now + timedelta(hours=1))
    past = (utc("2024-02-05T23:00"), utc("2024-02-06T23:00"))
    assert _doc(ask(later, "NL", data_type, *past).body).end == past[1]  # the past is whole
    window = (utc("2024-02-09T00:00"), utc("2024-02-13T00:00"))
    assert _doc(ask(later, "NL", data_type, *window).body).end == end + timedelta(hours=1)
    future = ask(config, "NL", data_type, end, end + timedelta(days=1))
    assert future.status == 200 and not future.is_document


def test_generation_switches_to_pt15m_with_load() -> None:
    window = (utc("2025-09-29T22:00"), utc("2025-10-02T22:00"))
    for data_type in (
        DataType.GENERATION,
        DataType.WIND_SOLAR_DAY_AHEAD,
        DataType.GENERATION_FORECAST,
    ):
        got = of_type(rows(ask(QUIET, "CZ", data_type, *window).body), data_type)
        per_series = Counter((p.meta.psr_type, p.meta.resolution) for p in got)
        assert {r for _, r in per_series} == {"PT60M", "PT15M"}
        assert all(n == (24 if r == "PT60M" else 2 * 96) for (_, r), n in per_series.items())
    doc = _doc(ask(QUIET, "CZ", DataType.GENERATION, *window).body)
    assert all(len(ts.periods) == 2 for ts in doc.time_series)  # one TimeSeries, two Periods


def test_revisions_republish_only_the_revised_hours() -> None:
    clock = ManualClock(utc("2025-10-09T23:00"))
    config = SandboxConfig(clock=clock, revision_share=0.05, gap_share=0.0)
    window = (utc("2025-10-08T22:00"), utc("2025-10-09T22:00"))
    revised = {h for h in revised_hours(0, "NL", "generation", 2025, 0.05)
               if window[0].timestamp() <= h * 3600 < window[1].timestamp()}  # fmt: skip
    assert revised
    first = ask(config, "NL", DataType.GENERATION, *window).body
    clock.advance(timedelta(days=1))
    second = ask(config, "NL", DataType.GENERATION, *window).body
    assert (_doc(first).revision_number, _doc(second).revision_number) == (1, 2)
    old = {(p.timestamp, p.meta.psr_type): p.quantity for p in rows(first)}
    new = {(p.timestamp, p.meta.psr_type): p.quantity for p in rows(second)}
    assert old.keys() == new.keys()
    changed = {int(t.timestamp()) // 3600 for (t, _), q in new.items() if old[t, _] != q}
    assert changed == revised  # (zeros stay zero: only producing types change)
    assert all(q == q.to_integral_value() for q in new.values())  # still whole MW


@pytest.mark.parametrize(
    ("sample", "area", "window", "config"),
    [
        ("A75_A16_FI_PT60M_A01_20230508-10_11TS.xml", "FI",
         (utc("2023-05-08T07:00"), utc("2023-05-10T07:00")), replace(QUIET, curve_type="A01")),
        ("BONUS_A75_A16_FR_PT60M_A03_20240615_13TS-multiPeriod.xml", "FR", DAY,  # hourly in 2024
         replace(QUIET, quarter_hour_areas=QUIET.quarter_hour_areas - {"FR"})),
    ],
)  # fmt: skip
def test_other_real_a75_documents_have_the_same_series(
    real_samples: Path, sample: str, area: str, window: tuple, config: SandboxConfig
) -> None:
    real = _doc((real_samples / sample).read_bytes())
    mine = _doc(ask(config, area, DataType.GENERATION, *window).body)
    assert (mine.start, mine.end) == (real.start, real.end) == window
    real_keys = {(ts.business_type, ts.psr_type, ts.direction) for ts in real.time_series}
    mine_keys = {(ts.business_type, ts.psr_type, ts.direction) for ts in mine.time_series}
    # Fingrid published no solar in 2023; the sandbox's FI fleet has some (its A69 has B16).
    assert real_keys <= mine_keys and len(mine_keys - real_keys) <= 1  # B19 is A93 in FI
    assert {p.resolution for ts in mine.time_series for p in ts.periods} == {"PT60M"}
    assert {ts.curve_type for ts in mine.time_series} == {ts.curve_type for ts in real.time_series}


@pytest.mark.parametrize(("day", "quarters"), [("2024-03-31", 92), ("2024-10-27", 100)])
def test_dst_days_have_92_or_100_quarter_hours_of_every_type(day: str, quarters: int) -> None:
    zone = get_area("NL").zone
    start = datetime.fromisoformat(day).replace(tzinfo=zone)
    window = (start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC))
    for data_type in (DataType.GENERATION, DataType.WIND_SOLAR_DAY_AHEAD):
        got = rows(ask(QUIET, "NL", data_type, *window).body)
        assert set(Counter(p.meta.psr_type for p in got).values()) == {quarters}
        solar = [p for p in got if p.meta.psr_type == "B16"]
        assert solar[0].quantity == solar[-1].quantity == 0  # local midnight is dark
