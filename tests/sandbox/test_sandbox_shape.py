"""Sandbox documents keep the shape of the real ones (element names, order, namespace, formats).

A document's shape is its element tree with attribute names, where a run of siblings of the
same shape (Points, TimeSeries) counts once. Skipped when the real samples are absent.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from app.entsoe.items import DataType
from app.sandbox import SandboxConfig
from app.sandbox.answer import answer
from tests.sandbox.support import NOW, ask, utc

Shape = tuple[str, tuple[str, ...], tuple["Shape", ...]]
Sample = tuple[str, str, tuple[datetime, datetime], tuple[str, str]]

# item -> (real sample, area, requested window, the real document's interval)
SAMPLES: dict[DataType, Sample] = {
    DataType.ACTUAL: (
        "A65_A16_NL_PT15M_A03_20240902.xml",
        "NL",
        (utc("2024-09-01T22:00"), utc("2024-09-02T22:00")),
        ("2024-09-01T22:00Z", "2024-09-02T22:00Z"),
    ),
    DataType.DAY_AHEAD: (
        "A65_A01_NL_PT15M_A03_20240902.xml",
        "NL",
        (utc("2024-09-01T22:00"), utc("2024-09-02T22:00")),
        ("2024-09-01T22:00Z", "2024-09-02T22:00Z"),
    ),
    DataType.WEEK_AHEAD: (
        "A65_A31_NL_P1D_A03_20240902_minmax.xml",
        "NL",
        (utc("2024-09-01T22:00"), utc("2024-09-02T22:00")),
        ("2024-09-01T22:00Z", "2024-09-02T22:00Z"),
    ),
    DataType.MONTH_AHEAD: (  # a one-day request answered with the whole week
        "A65_A32_NL_P7D_A03_week20240902_minmax.xml",
        "NL",
        (utc("2024-09-01T22:00"), utc("2024-09-02T22:00")),
        ("2024-09-01T22:00Z", "2024-09-08T22:00Z"),
    ),
    DataType.YEAR_AHEAD: (
        "A65_A33_CZ_P7D_A03_2023_compressed-position.xml",
        "CZ",
        (utc("2023-01-01T23:00"), utc("2023-12-31T23:00")),
        ("2023-01-01T23:00Z", "2023-12-31T23:00Z"),
    ),
    DataType.FORECAST_MARGIN: (
        "A70_A33_CZ_P1Y_A03_2023.xml",
        "CZ",
        (utc("2022-12-31T23:00"), utc("2023-12-31T23:00")),
        ("2022-12-31T23:00Z", "2023-12-31T23:00Z"),
    ),
    DataType.GENERATION: (  # all of B01..B20 (zeros too), then pumped storage consumption
        "A75_A16_ES_PT15M_A03_20240615_21TS-B01-B20-in-out.xml",
        "ES",
        (utc("2024-06-14T22:00"), utc("2024-06-15T22:00")),
        ("2024-06-14T22:00Z", "2024-06-15T22:00Z"),
    ),
    DataType.GENERATION_FORECAST: (
        "A71_A01_NL_PT15M_A03_20240902.xml",
        "NL",
        (utc("2024-09-01T22:00"), utc("2024-09-02T22:00")),
        ("2024-09-01T22:00Z", "2024-09-02T22:00Z"),
    ),
    DataType.WIND_SOLAR_DAY_AHEAD: (
        "A69_A01_NL_PT15M_A03_20240902_B16-B18-B19.xml",
        "NL",
        (utc("2024-09-01T22:00"), utc("2024-09-02T22:00")),
        ("2024-09-01T22:00Z", "2024-09-02T22:00Z"),
    ),
    DataType.WIND_SOLAR_INTRADAY: (  # one TimeSeries per day and type, the last day partial
        "A69_A40_FI_PT15M_A01_20240208-10_6TS-partial-last-day.xml",
        "FI",
        (utc("2024-02-07T22:00"), utc("2024-02-12T22:00")),
        ("2024-02-07T22:00Z", "2024-02-09T23:00Z"),
    ),
    DataType.WIND_SOLAR_CURRENT: (
        "A69_A18_FI_PT15M_A01_20240208-11_8TS-partial-last-day.xml",
        "FI",
        (utc("2024-02-07T22:00"), utc("2024-02-12T22:00")),
        ("2024-02-07T22:00Z", "2024-02-11T06:00Z"),
    ),
    DataType.INSTALLED_CAPACITY: (  # all of B01..B20, zero capacities too
        "A68_A33_NL_P1Y_A03_2024_20TS-B01-B20.xml",
        "NL",
        (utc("2023-12-31T23:00"), utc("2024-12-31T23:00")),
        ("2023-12-31T23:00Z", "2024-12-31T23:00Z"),
    ),
}
# The other direction of a document is checked with it.
SAMPLES[DataType.GENERATION_CONSUMPTION] = SAMPLES[DataType.GENERATION]
SAMPLES[DataType.CONSUMPTION_FORECAST] = SAMPLES[DataType.GENERATION_FORECAST]
# How the real documents were made: the clock when they were asked for (Fingrid's rolling
# forecasts end some hours, or a day, after it), their resolution and curveType.
_QUARTERS = SandboxConfig().quarter_hour_areas | {"ES", "FI"}
CONFIGS: dict[DataType, SandboxConfig] = {
    DataType.WIND_SOLAR_INTRADAY: SandboxConfig(
        now=utc("2024-02-09T18:33"), curve_type="A01", quarter_hour_areas=_QUARTERS
    ),
    DataType.WIND_SOLAR_CURRENT: SandboxConfig(
        now=utc("2024-02-10T06:33"), curve_type="A01", quarter_hour_areas=_QUARTERS
    ),
}
PATHS = ("d:type", "d:process.processType", "d:TimeSeries/d:businessType",
         "d:TimeSeries/d:Period/d:resolution", "d:TimeSeries/d:curveType",
         "d:TimeSeries/d:MktPSRType/d:psrType")  # fmt: skip


def shape(el: etree._Element) -> Shape:
    children: list[Shape] = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        s = shape(child)
        if not children or children[-1] != s:
            children.append(s)
    return (etree.QName(el).localname, tuple(sorted(el.attrib)), tuple(children))


def _root(content: bytes) -> etree._Element:
    return etree.fromstring(content)


@pytest.mark.parametrize("data_type", list(DataType))
def test_document_shape_equals_the_real_one(real_samples: Path, data_type: DataType) -> None:
    name, area, window, interval = SAMPLES[data_type]
    real = _root((real_samples / name).read_bytes())
    config = CONFIGS.get(data_type, SandboxConfig(now=NOW, quarter_hour_areas=_QUARTERS))
    reply = ask(replace(config, gap_share=0.0), area, data_type, *window)
    mine = _root(reply.body)
    assert mine.tag == real.tag  # same element in the same namespace
    assert mine.nsmap == real.nsmap
    assert shape(mine) == shape(real)
    ns = {"d": etree.QName(real).namespace}
    for path in PATHS:
        assert mine.xpath(f"{path}/text()", namespaces=ns) == real.xpath(
            f"{path}/text()", namespaces=ns
        )
    got = mine.xpath("d:time_Period.timeInterval/*/text()", namespaces=ns)
    assert tuple(got) == interval  # aligned like the real reply (wider than the request if need be)
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ")
    assert all(
        stamp.fullmatch(t) for t in mine.xpath("//d:start/text() | //d:end/text()", namespaces=ns)
    )
    quantity = re.compile(r"\d+(\.\d{1,2})?")
    assert all(quantity.fullmatch(q) for q in mine.xpath("//d:quantity/text()", namespaces=ns))


def test_a01_document_shape_equals_the_real_one(real_samples: Path) -> None:
    real = _root((real_samples / "A65_A16_CZ_PT60M_A01_20151231_1day.xml").read_bytes())
    config = SandboxConfig(now=NOW, curve_type="A01", gap_share=0.0)
    mine = _root(
        ask(config, "CZ", DataType.ACTUAL, utc("2015-12-30T23:00"), utc("2015-12-31T23:00")).body
    )
    assert shape(mine) == shape(real)


@pytest.mark.parametrize(
    ("sample", "query", "status", "text"),
    [
        (
            "ACK_999_HTTP400_mandatory-param-missing.xml",
            {
                "documentType": "A65",
                "processType": "A16",
                "periodStart": "201512302300",
                "periodEnd": "201512312300",
            },
            400,
            "Mandatory parameter OutBiddingZone_Domain is missing or is empty.",
        ),
        (
            "ACK_999_NoMatchingData_A65_A32_invalid-domain_2026.xml",
            {
                "documentType": "A65",
                "processType": "A32",
                "outBiddingZone_Domain": "{{outBiddingZone_Domain}}",
                "periodStart": "202307022200",
                "periodEnd": "202308062200",
            },
            200,
            None,
        ),
        (
            "ACK_999_DeliveredTimeIntervalNotValid_A65_A16_PL.xml",
            {
                "documentType": "A65",
                "processType": "A16",
                "outBiddingZone_Domain": "10YPL-AREA-----S",
                "periodStart": "202505180533",
                "periodEnd": "202505190000",
            },
            400,
            None,
        ),
    ],
)
def test_acknowledgement_shape_and_text_equal_the_real_ones(
    real_samples: Path, sample: str, query: dict[str, str], status: int, text: str | None
) -> None:
    real = _root((real_samples / sample).read_bytes())
    reply = answer(SandboxConfig(now=NOW), query, NOW)
    mine = _root(reply.body)
    assert reply.status == status
    assert mine.tag == real.tag and shape(mine) == shape(real)
    ns = {"d": etree.QName(real).namespace}
    real_text = real.xpath("d:Reason/d:text/text()", namespaces=ns)[0]
    assert mine.xpath("d:Reason/d:text/text()", namespaces=ns)[0] == (text or real_text)
    mrid = mine.xpath("d:mRID/text()", namespaces=ns)[0]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]", mrid)
