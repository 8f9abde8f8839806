"""A failed window is reported in one bounded line; an unexpected error's traceback is logged at
DEBUG only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import httpx
import pytest
import structlog
from sqlalchemy import text

from app.db.database import Database
from app.domain.points import CoveredPeriod, EnergyPoint
from app.entsoe.items import DataType
from app.repositories.points import PointsRepository, UpsertResult
from app.services import collection
from app.services.collection import LIVE_SOURCE, DataCollectionService
from app.services.results import MESSAGE_MAX_CHARS, WindowFailure
from tests.entsoe.xmlgen import TS, Doc, P
from tests.services.support import fast_client, scalar, utc

START = utc("2026-03-09T23:00")
END = START + timedelta(days=1)


def test_a_failure_message_is_its_first_line_cut_to_length() -> None:
    sql_error = RuntimeError("\n  numeric field overflow  \nDETAIL: ...\n[SQL: INSERT ...]\n")
    assert WindowFailure.of(START, END, sql_error).message == "numeric field overflow"
    long = WindowFailure.of(START, END, RuntimeError("x" * 10_000)).message
    assert len(long) == MESSAGE_MAX_CHARS and long.endswith("...")
    assert WindowFailure.of(START, END, RuntimeError()).message == "RuntimeError"
    outage = WindowFailure.of(START, END, ConnectionRefusedError(111, "refused\nmore"))
    assert outage.outage and outage.message == "ConnectionRefusedError: [Errno 111] refused"


class _Failing(PointsRepository):
    """A repository whose statement fails in the database: an unexpected error, several lines
    long (SQLAlchemy adds the SQL and a link)."""

    async def upsert(
        self, points: Sequence[EnergyPoint], covered: Sequence[CoveredPeriod] = ()
    ) -> UpsertResult:
        await self._session.execute(text("SELECT 1 / 0"))
        raise AssertionError("unreachable")


@pytest.mark.db
async def test_an_unexpected_database_error_fails_its_window_in_one_line(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = Doc([TS([P(START, END, "PT60M", [(k, "1") for k in range(1, 25)])])]).xml()
    http = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda _: httpx.Response(200, content=doc))
    )
    service = DataCollectionService(
        fast_client(http, "https://entsoe.test/api"), db, data_source=LIVE_SOURCE
    )
    monkeypatch.setattr(collection, "PointsRepository", _Failing)

    with structlog.testing.capture_logs() as logs:
        monkeypatch.setattr(collection, "log", structlog.get_logger("test"))
        summary = await service.collect("CZ", DataType.ACTUAL, START, END)

    (failure,) = summary.errors
    assert failure.error == "DBAPIError"
    assert "division by zero" in failure.message
    assert "\n" not in failure.message and len(failure.message) <= MESSAGE_MAX_CHARS
    stored: Any = await scalar(db, "SELECT errors FROM collection_runs")
    assert [e["message"] for e in stored] == [failure.message]
    events = {e["event"]: e for e in logs}
    warning = events["collect.window_failed"]
    assert warning["log_level"] == "warning" and "exc_info" not in warning
    assert warning["message"] == failure.message
    debug = events["collect.window_failed_traceback"]
    assert debug["log_level"] == "debug" and isinstance(debug["exc_info"], Exception)
