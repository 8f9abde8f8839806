"""entsoe-py, the community's ENTSO-E client, reads the sandbox as it reads the real platform.

It asks for one UTC calendar month per request (P1M, the platform's limit for actual load) and
reads every Period between its bounds, so a sandbox refusing a 31-day month or answering
wider than the request would show here. Its values and timestamps must equal what our own
parser and processor read from the same answers. entsoe-py is a test-only dependency (the dev
extra); without it the module is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from app.entsoe.items import DataType
from app.entsoe.parser import MarketDocument, parse
from app.entsoe.processor import to_points
from app.sandbox import DATA_SOURCE, SandboxConfig, SandboxServer, expected_points
from tests.sandbox.support import NOW, params

entsoe_module = pytest.importorskip("entsoe.entsoe")
pd = pytest.importorskip("pandas")

BRUSSELS = "Europe/Brussels"
# entsoe-py reads XML with BeautifulSoup's HTML parser, and BeautifulSoup says so each time.
pytestmark = pytest.mark.filterwarnings("ignore:It looks like you're using an HTML parser")


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(now=NOW, gap_share=0.0)) as sandbox:
        yield sandbox


def _ours(
    sandbox: SandboxServer, area: str, start: datetime, end: datetime
) -> dict[datetime, Decimal]:
    """The same request fetched with httpx and read by app.entsoe.parser + processor."""
    response = httpx.get(sandbox.base_url, params=params(area, DataType.ACTUAL, start, end))
    assert response.status_code == 200, response.text[:400]
    doc = parse(response.content)
    assert isinstance(doc, MarketDocument)
    return {p.timestamp: p.quantity for p in to_points(doc, data_source=DATA_SOURCE)}


@pytest.mark.parametrize(
    ("area", "first", "stop", "points"),
    [
        ("BE", "2024-01-01", "2024-02-01", 31 * 96),  # a 31-day month
        ("DE_LU", "2024-01-01", "2024-02-01", 31 * 96),
        ("BE", "2024-03-25", "2024-04-01", 7 * 96 - 4),  # a week with the 23-hour day
    ],
)
def test_query_load_equals_our_parse(
    monkeypatch: pytest.MonkeyPatch, server: SandboxServer, area: str, first: str, stop: str,
    points: int,
) -> None:  # fmt: skip
    # entsoe-py reads ENTSOE_ENDPOINT_URL once, at import: point its module constant here.
    monkeypatch.setattr(entsoe_module, "URL", server.base_url)
    start, end = pd.Timestamp(first, tz=BRUSSELS), pd.Timestamp(stop, tz=BRUSSELS)
    client = entsoe_module.EntsoePandasClient(api_key="sandbox")
    before = server.counters["requests"]
    frame = client.query_load(area, start=start, end=end)
    assert server.counters["requests"] - before == 1  # one request for the whole range
    theirs = {t.to_pydatetime().astimezone(UTC): value for t, value in frame["Actual Load"].items()}
    ours = _ours(server, area, start.to_pydatetime(), end.to_pydatetime())
    assert len(ours) == points
    assert sorted(theirs) == sorted(ours)  # every timestamp, none added, none lost
    assert all(theirs[t] == float(q) for t, q in ours.items())  # every value
    expected = expected_points(area, "actual", start, end, config=server.config)
    assert ours == {p.timestamp: p.quantity for p in expected}


def test_query_generation_and_wind_solar_forecast_equal_what_the_sandbox_serves(
    monkeypatch: pytest.MonkeyPatch, server: SandboxServer
) -> None:
    """entsoe-py asks with in_Domain and reads one column per production type (and direction)."""
    monkeypatch.setattr(entsoe_module, "URL", server.base_url)
    names = pytest.importorskip("entsoe.mappings").PSRTYPE_MAPPINGS
    client = entsoe_module.EntsoePandasClient(api_key="sandbox")
    start, end = pd.Timestamp("2024-06-01", tz=BRUSSELS), pd.Timestamp("2024-06-03", tz=BRUSSELS)
    window = (start.to_pydatetime(), end.to_pydatetime())
    frame = client.query_generation("DE_LU", start=start, end=end)
    served = 0
    for data_type, label in (
        ("generation", "Actual Aggregated"),
        ("generation_consumption", "Actual Consumption"),
    ):
        for p in expected_points("DE_LU", data_type, *window, config=server.config):
            value = frame[(names[p.psr_type], label)][pd.Timestamp(p.timestamp)]
            assert value == float(p.quantity), (data_type, p)
            served += 1
    assert served == frame.count().sum() == 192 * 16  # 15 types generating, pumped storage using
    forecast = client.query_wind_and_solar_forecast("NL", start=start, end=end)
    expected = expected_points("NL", "wind_solar_day_ahead", *window, config=server.config)
    assert forecast.size == len(expected) == 3 * 192
    assert all(
        forecast[names[p.psr_type]][pd.Timestamp(p.timestamp)] == float(p.quantity)
        for p in expected
    )
