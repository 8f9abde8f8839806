"""What one document covers and says about itself, compared with real ENTSO-E documents.

Real PT15M/PT60M documents cover exactly the request (A65_A01_CZ_PT60M_A03_20230814-17: a
request 00:00Z..00:00Z, not local midnight, answered with that interval), their
createdDateTime is the time of the answer (a 2023 document recorded on 2026-05-07 says
2026-05-07T13:17:28Z), and under curveType A03 they leave out only a position repeating the
value before it. Acknowledgement mRIDs are version-4 UUIDs cut to 15 characters.
"""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from lxml import etree

from app.entsoe.items import DataType
from app.entsoe.parser import Acknowledgement, MarketDocument, parse
from app.sandbox import ManualClock, SandboxConfig, expected_points
from app.sandbox.answer import answer
from tests.sandbox.support import NOW, ask, params, point_tuples, rows, utc

GL = {"d": "urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0"}
ACK_MRID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4")
DAY = (utc("2025-09-30T22:00"), utc("2025-10-01T22:00"))


def _doc(body: bytes) -> MarketDocument:
    doc = parse(body)
    assert isinstance(doc, MarketDocument), body[:400]
    return doc


@pytest.mark.parametrize("data_type", [DataType.ACTUAL, DataType.DAY_AHEAD])
@pytest.mark.parametrize(
    ("area", "start", "end"),
    [
        ("CZ", "2023-08-14T00:00", "2023-08-17T00:00"),  # the real CZ day-ahead request
        ("NL", "2024-09-02T05:00", "2024-09-02T06:00"),
        ("BE", "2024-03-30T12:15", "2024-04-01T03:45"),  # across the spring DST change
        ("DE_LU", "2024-10-26T21:00", "2024-10-27T05:00"),  # across the autumn one
    ],
)
def test_a_pt_document_covers_exactly_the_request(
    data_type: DataType, area: str, start: str, end: str
) -> None:
    window = (utc(start), utc(end))
    config = SandboxConfig(now=NOW, gap_share=0.0)
    reply = ask(config, area, data_type, *window)
    doc = _doc(reply.body)
    assert (doc.start, doc.end) == window
    got = point_tuples(rows(reply.body))
    step = timedelta(minutes=15 if area != "CZ" else 60)
    assert [t for t, *_ in got] == [
        window[0] + k * step for k in range((window[1] - window[0]) // step)
    ]
    assert got == sorted(expected_points(area, data_type, *window, config=config))


def test_forecasts_keep_their_natural_grid() -> None:
    day = (utc("2024-09-02T05:00"), utc("2024-09-02T06:00"))
    week_ahead = _doc(ask(SandboxConfig(now=NOW), "NL", DataType.WEEK_AHEAD, *day).body)
    assert (week_ahead.start, week_ahead.end) == (utc("2024-09-01T22:00"), utc("2024-09-02T22:00"))
    month_ahead = _doc(ask(SandboxConfig(now=NOW), "NL", DataType.MONTH_AHEAD, *day).body)
    assert (month_ahead.start, month_ahead.end) == (
        utc("2024-09-01T22:00"),
        utc("2024-09-08T22:00"),
    )


def test_created_date_time_is_the_time_of_the_answer() -> None:
    clock = ManualClock(utc("2025-11-15T12:34") + timedelta(seconds=56.789))
    config = SandboxConfig(clock=clock)
    old_day = (utc("2023-03-02T23:00"), utc("2023-03-03T23:00"))
    for data_type in DataType:
        body = ask(config, "CZ", data_type, *old_day).body
        assert b"<createdDateTime>2025-11-15T12:34:56Z</createdDateTime>" in body, data_type
    clock.advance(timedelta(hours=2))
    assert _doc(ask(config, "CZ", DataType.ACTUAL, *old_day).body).created_at == utc(
        "2025-11-15T14:34"
    ) + timedelta(seconds=56)
    refused = parse(ask(config, "CZ", DataType.ACTUAL, utc("2023-01-01T00:00"),
                        utc("2023-03-01T00:00")).body)  # fmt: skip
    assert isinstance(refused, Acknowledgement)
    assert refused.created_at == utc("2025-11-15T14:34") + timedelta(seconds=56)


def test_acknowledgement_mrids_have_the_real_form(real_samples: Path) -> None:
    for sample in sorted(real_samples.glob("ACK_*.xml")):
        real = etree.fromstring(sample.read_bytes())
        assert ACK_MRID.fullmatch(real.findtext("{*}mRID") or ""), sample.name
    for n in range(8):  # eight texts, eight different hashes: the form is not luck
        query = {**params("CZ", DataType.ACTUAL, *DAY), "outBiddingZone_Domain": f"10Y{n}-NOWHERE"}
        ack = answer(SandboxConfig(now=NOW), query, NOW)
        assert not ack.is_document
        mrid = etree.fromstring(ack.body).findtext("{*}mRID") or ""
        assert ACK_MRID.fullmatch(mrid), mrid


def _periods(body: bytes) -> list[tuple[str, list[tuple[int, str]]]]:
    """(Period start, [(position, quantity) as written]) of every Period of a document."""
    out = []
    for period in etree.fromstring(body).iter("{*}Period"):
        points = [
            (int(p.findtext("{*}position") or 0), p.findtext("{*}quantity") or "")
            for p in period.iter("{*}Point")
        ]
        out.append((period.findtext("{*}timeInterval/{*}start") or "", points))
    return out


def _check_a03(body: bytes) -> None:
    for _, points in _periods(body):
        assert points[0][0] == 1  # every Period writes its first position
        for (a, qa), (b, qb) in pairwise(points):
            assert b > a and (b > a + 1 or qa != qb)  # a written repeat would be left out


def test_real_a03_load_documents_leave_out_only_repeats(real_samples: Path) -> None:
    samples = sorted([*real_samples.glob("A65_*_A03_*.xml"), *real_samples.glob("A70_*_A03_*.xml")])
    assert len(samples) >= 8
    for sample in samples:
        _check_a03(sample.read_bytes())


@pytest.mark.parametrize("data_type", [DataType.ACTUAL, DataType.DAY_AHEAD])
def test_a03_writes_the_first_point_of_each_run_also_when_the_request_starts_in_one(
    data_type: DataType,
) -> None:
    a01, a03 = (SandboxConfig(now=NOW, curve_type=c, gap_share=0.0) for c in ("A01", "A03"))
    day = (utc("2025-10-06T22:00"), utc("2025-10-07T22:00"))
    values = [p.quantity for p in expected_points("DE_LU", data_type, *day, config=a01)]
    held = next(i for i in range(1, len(values)) if values[i] == values[i - 1])
    start = day[0] + held * timedelta(minutes=15)  # inside a run of equal values
    window = (start, start + timedelta(hours=2))
    full = _periods(ask(a01, "DE_LU", data_type, *window).body)
    compressed = _periods(ask(a03, "DE_LU", data_type, *window).body)
    assert [s for s, _ in compressed] == [s for s, _ in full] == [f"{start:%Y-%m-%dT%H:%MZ}"]
    quantities = [q for _, q in full[0][1]]
    assert compressed[0][1] == [
        (i + 1, q) for i, q in enumerate(quantities) if i == 0 or q != quantities[i - 1]
    ]
    assert compressed[0][1][0] == (1, str(values[held]))
    _check_a03(ask(a03, "DE_LU", data_type, *window).body)
