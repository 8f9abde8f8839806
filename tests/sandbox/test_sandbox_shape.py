"""Sandbox documents keep the shape of the real ones (element names, order, namespace, formats).

A document's shape is its element tree with attribute names, where a run of siblings of the
same shape (Points, TimeSeries) counts once. Skipped when the real samples are absent.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from app.entsoe.items import DataType
from app.sandbox import SandboxConfig
from app.sandbox.answer import answer
from tests.sandbox.support import NOW, ask, utc

Shape = tuple[str, tuple[str, ...], tuple["Shape", ...]]

# item -> (real sample, area, requested window, the real document's interval)
SAMPLES: dict[DataType, tuple[str, str, tuple[datetime, datetime], tuple[str, str]]] = {
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
}


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
    reply = ask(SandboxConfig(now=NOW, gap_share=0.0), area, data_type, *window)
    mine = _root(reply.body)
    assert mine.tag == real.tag  # same element in the same namespace
    assert mine.nsmap == real.nsmap
    assert shape(mine) == shape(real)
    ns = {"d": etree.QName(real).namespace}
    for path in ("d:type", "d:process.processType", "d:TimeSeries/d:businessType",
                 "d:TimeSeries/d:Period/d:resolution", "d:TimeSeries/d:curveType"):  # fmt: skip
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
