"""End to end with generated documents: a quantity the database cannot hold costs that point only.
The window stores every other point, the summary counts the rejected ones, the log names the
document, Period and position, and a re-run changes nothing."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import structlog

from app.db.database import Database
from app.entsoe import processor
from app.entsoe.items import DataType
from app.services.collection import LIVE_SOURCE, DataCollectionService
from tests.entsoe.xmlgen import TS, Doc, P
from tests.services.support import fast_client, stored, utc

pytestmark = pytest.mark.db

START = utc("2026-03-09T23:00")  # a local day in Prague
END = START + timedelta(days=1)
H = timedelta(hours=1)
BAD = {5: "1000000000000", 9: "NaN", 13: "1E309", 17: "-Infinity"}


def document(curve_type: str) -> bytes:
    """24 hourly points of CZ actual load; four of them out of the column's range."""
    points = [(k, BAD.get(k, str(100 + k))) for k in range(1, 25)]
    if curve_type == "A03":  # one point per run of four hours: 1, 5 (rejected), ..., 21
        points = [(k, q) for k, q in points if k % 4 == 1]
    period = P(START, END, "PT60M", points)
    return Doc([TS([period], curve_type=curve_type)], mrid="doc-bad").xml()


def collector(db: Database, curve_type: str) -> DataCollectionService:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=document(curve_type))

    http = httpx.AsyncClient(transport=httpx.MockTransport(reply))
    return DataCollectionService(
        fast_client(http, "https://entsoe.test/api"), db, data_source=LIVE_SOURCE
    )


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MutableMapping[str, Any]]]:
    with structlog.testing.capture_logs() as captured:
        monkeypatch.setattr(processor, "log", structlog.get_logger("test"))
        yield captured


@pytest.mark.parametrize(
    ("curve_type", "kept"),
    [
        # A01: every other hour is stored as sent
        ("A01", {k: Decimal(100 + k) for k in range(1, 25) if k not in BAD}),
        # A03: a rejected point's run is a gap; the value before it does not run on over it
        ("A03", {k: Decimal(100 + (k - 1) // 4 * 4 + 1) for k in (1, 2, 3, 4, 21, 22, 23, 24)}),
    ],
)
async def test_out_of_range_points_are_rejected_one_by_one(
    curve_type: str,
    kept: dict[int, Decimal],
    db: Database,
    logs: list[MutableMapping[str, Any]],
) -> None:
    service = collector(db, curve_type)
    summary = await service.collect("CZ", DataType.ACTUAL, START, END)

    assert summary.status == "succeeded" and summary.failed_windows == 0
    assert summary.rejected == summary.as_dict()["rejected"] == len(BAD)
    expected_rows = {(START + (k - 1) * H, "A04"): q for k, q in kept.items()}
    assert await stored(db, "CZ", DataType.ACTUAL) == expected_rows
    events = [e for e in logs if e["event"] == "processor.point_rejected"]
    assert [(e["document_mrid"], e["element"], e["position"]) for e in events] == [
        ("doc-bad", "TimeSeries[1]/Period[1]", k) for k in sorted(BAD)
    ]
    assert all(e["log_level"] == "warning" for e in events)

    again = await service.collect("CZ", DataType.ACTUAL, START, END)
    assert (again.inserted, again.updated, again.deleted) == (0, 0, 0)
    assert again.unchanged == len(kept) and again.rejected == len(BAD)
    assert await stored(db, "CZ", DataType.ACTUAL) == expected_rows
