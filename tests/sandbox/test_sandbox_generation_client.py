"""Sandbox -> EntsoeClient over loopback HTTP -> processor gives exactly the points the sandbox
says it serves, for every generation item (both directions of A75 and A71, psrType too)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.entsoe.client import EntsoeClient
from app.entsoe.items import GENERATION_TYPES, ITEMS, DataType
from app.entsoe.processor import extract
from app.sandbox import DATA_SOURCE, SandboxConfig, SandboxServer, expected_points
from tests.sandbox.support import NOW, point_tuples, utc

CONFIG = SandboxConfig(now=NOW, gap_share=0.002, revision_share=0.02, rate_limit_per_minute=0)
# Five weeks: more than one planned four-week window of A75, across the CZ resolution switch.
WINDOW = (utc("2025-09-15T00:00"), utc("2025-10-20T00:00"))


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[EntsoeClient]:
    async with SandboxServer(CONFIG) as server, httpx.AsyncClient() as http:
        yield EntsoeClient(http, token="sandbox", base_url=server.base_url, backoff_base=0.01)


@pytest.mark.parametrize("area", ["DE_LU", "CZ", "NL"])
@pytest.mark.parametrize("data_type", GENERATION_TYPES)
async def test_every_generation_item_arrives_exactly(
    client: EntsoeClient, data_type: DataType, area: str
) -> None:
    result = await client.fetch(data_type, area, *WINDOW)
    assert result.requests == len(client.plan_windows(ITEMS[data_type].request, *WINDOW))
    got = [
        p
        for doc in result.documents
        for p in extract(doc, data_source=DATA_SOURCE).points
        if p.meta.data_type == data_type.value
    ]
    expected = [
        p
        for lo, hi in client.plan_windows(ITEMS[data_type].request, *WINDOW)
        for p in expected_points(area, data_type, lo, hi, config=CONFIG)
    ]
    assert point_tuples(got) == sorted(expected)
    assert len({(p.timestamp, p.meta.psr_type, p.meta.business_type) for p in got}) == len(got)
    no_pumping = area == "NL" and data_type in (
        DataType.GENERATION_CONSUMPTION,
        DataType.CONSUMPTION_FORECAST,
    )
    assert no_pumping or got


async def test_a_request_narrowed_to_one_type_brings_only_that_type(client: EntsoeClient) -> None:
    result = await client.fetch(DataType.GENERATION, "DE_LU", *WINDOW, psr_type="B10")
    got = [p for doc in result.documents for p in extract(doc, data_source=DATA_SOURCE).points]
    assert {(p.meta.data_type, p.meta.psr_type) for p in got} == {
        ("generation", "B10"),
        ("generation_consumption", "B10"),
    }
    expected = [
        p
        for data_type in (DataType.GENERATION, DataType.GENERATION_CONSUMPTION)
        for lo, hi in client.plan_windows(DataType.GENERATION, *WINDOW)
        for p in expected_points("DE_LU", data_type, lo, hi, config=CONFIG, psr_type="B10")
    ]
    assert point_tuples(got) == sorted(expected)
