"""Generation requests as the platform takes them: in_Domain, psrType, the maximum allowed period
of each item and "No matching data" in the platform's words."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from app.entsoe.items import DataType
from app.entsoe.parser import Acknowledgement, parse
from app.entsoe.transport import is_interval_too_large
from app.sandbox import SandboxConfig, expected_points
from app.sandbox.answer import answer
from tests.sandbox.support import NOW, ask, params, point_tuples, rows, utc

DAY = (utc("2024-06-14T22:00"), utc("2024-06-15T22:00"))
QUIET = SandboxConfig(now=NOW, gap_share=0.0, revision_share=0.0)


def _reason(body: bytes) -> str:
    ack = parse(body)
    assert isinstance(ack, Acknowledgement), body[:300]
    return ack.reasons[0].text


def test_psr_type_narrows_a_request_to_one_production_type() -> None:
    full = rows(ask(QUIET, "DE_LU", DataType.GENERATION, *DAY).body)
    for psr in ("B16", "B10"):
        narrowed = rows(ask(QUIET, "DE_LU", DataType.GENERATION, *DAY, psr_type=psr).body)
        assert point_tuples(narrowed) == point_tuples([p for p in full if p.meta.psr_type == psr])
        assert point_tuples(narrowed) == sorted(
            [*expected_points("DE_LU", "generation", *DAY, config=QUIET, psr_type=psr),
             *expected_points("DE_LU", "generation_consumption", *DAY, config=QUIET, psr_type=psr)]
        )  # fmt: skip
    assert {
        p.meta.data_type
        for p in rows(ask(QUIET, "DE_LU", DataType.GENERATION, *DAY, psr_type="B10").body)
    } == {"generation", "generation_consumption"}
    solar = rows(ask(QUIET, "NL", DataType.WIND_SOLAR_DAY_AHEAD, *DAY, psr_type="B16").body)
    assert {p.meta.psr_type for p in solar} == {"B16"} and len(solar) == 96
    nuclear = ask(QUIET, "PL", DataType.GENERATION, *DAY, psr_type="B14")  # Poland has none
    assert nuclear.status == 200 and not nuclear.is_document
    assert "No matching data found" in _reason(nuclear.body)
    total = ask(QUIET, "NL", DataType.GENERATION_FORECAST, *DAY, psr_type="B16")  # a total
    assert point_tuples(rows(total.body)) == point_tuples(
        rows(ask(QUIET, "NL", DataType.GENERATION_FORECAST, *DAY).body)
    )


def test_generation_is_asked_for_with_in_domain() -> None:
    query = params("NL", DataType.GENERATION, *DAY)
    assert query["in_Domain"] == "10YNL----------L" and "outBiddingZone_Domain" not in query
    wrong = {k: v for k, v in query.items() if k != "in_Domain"}
    wrong["outBiddingZone_Domain"] = query["in_Domain"]
    reply = answer(QUIET, wrong, NOW)
    assert reply.status == 400
    assert _reason(reply.body) == "Mandatory parameter In_Domain is missing or is empty."
    assert answer(QUIET, {**query, "in_Domain": ""}, NOW).status == 400
    load = answer(
        QUIET, {**params("NL", DataType.ACTUAL, *DAY), "in_Domain": "10YNL----------L"}, NOW
    )
    assert load.status == 200 and load.is_document  # load keeps outBiddingZone_Domain


# Export names: A75's is what the real platform wrote in 2026 (entsoe-py issue 547).
_A75, _A71 = "AGGREGATED_GENERATION_PER_TYPE_R3", "DAY_AHEAD_AGGREGATED_GENERATION_R3"
_A69, _A68 = "WIND_AND_SOLAR_FORECAST_R3", "INSTALLED_GENERATION_CAPACITY_AGGREGATED_R3"


@pytest.mark.parametrize(
    ("data_type", "period", "export", "allowed_end", "too_far"),
    [
        (DataType.GENERATION, "P1M", _A75, "2024-11-01T00:00", "2024-11-01T00:15"),
        (DataType.GENERATION_CONSUMPTION, "P1M", _A75, "2024-11-01T00:00", "2024-11-02T00:00"),
        (DataType.GENERATION_FORECAST, "P1Y", _A71, "2025-10-01T00:00", "2025-10-01T00:15"),
        (DataType.WIND_SOLAR_DAY_AHEAD, "P1Y", _A69, "2025-10-01T00:00", "2025-10-01T01:00"),
        (DataType.WIND_SOLAR_INTRADAY, "P1Y", _A69, "2025-10-01T00:00", "2025-10-02T00:00"),
        (DataType.WIND_SOLAR_CURRENT, "P1Y", _A69, "2025-10-01T00:00", "2026-01-01T00:00"),
        (DataType.INSTALLED_CAPACITY, "P1Y", _A68, "2025-10-01T00:00", "2025-10-01T00:15"),
    ],
)  # fmt: skip
def test_generation_limits_in_the_platforms_words(
    data_type: DataType, period: str, export: str, allowed_end: str, too_far: str
) -> None:
    start = utc("2024-10-01T00:00")
    assert ask(QUIET, "CZ", data_type, start, utc(allowed_end)).status == 200
    refused = ask(QUIET, "CZ", data_type, start, utc(too_far))
    assert refused.status == 400
    text = _reason(refused.body)
    assert text == (
        f"Provided time interval (2024-10-01T00:00:00Z - {too_far}:00Z) is larger than maximum"
        f" allowed period '{period}' for '{export}:XML' export."
    )
    assert is_interval_too_large(text)


@pytest.mark.parametrize(
    ("data_type", "item"),
    [
        (DataType.GENERATION, "AGGREGATED_GENERATION_PER_TYPE_R3 [16.1.B&C]"),
        (DataType.GENERATION_FORECAST, "DAY_AHEAD_AGGREGATED_GENERATION_R3 [14.1.C]"),
        (DataType.WIND_SOLAR_CURRENT, "WIND_AND_SOLAR_FORECAST_R3 [14.1.D]"),
        (DataType.INSTALLED_CAPACITY, "INSTALLED_GENERATION_CAPACITY_AGGREGATED_R3 [14.1.A]"),
    ],
)
def test_no_matching_data_has_the_real_form(
    real_samples: Path, data_type: DataType, item: str
) -> None:
    real = etree.fromstring(
        (real_samples / "ACK_999_NoMatchingData_A73_BE_20230816.xml").read_bytes()
    )
    reply = ask(QUIET, "BE", data_type, utc("2014-01-01T00:00"), utc("2014-01-02T00:00"))
    assert reply.status == 200 and not reply.is_document
    mine = etree.fromstring(reply.body)
    assert [etree.QName(e).localname for e in mine.iter()] == [
        etree.QName(e).localname for e in real.iter()
    ]
    assert mine.findtext("{*}Reason/{*}text") == (
        f"No matching data found for Data item {item} (10YBE----------2) and interval"
        " 2014-01-01T00:00:00Z/2014-01-02T00:00:00Z."
    )
    assert (real.findtext("{*}Reason/{*}text") or "").startswith(
        "No matching data found for Data item ACTUAL_GENERATION_OUTPUT_PER_UNIT_R3 [16.1.A]"
        " (10YBE----------2) and interval"
    )
