"""A failed window is fatal by the exception's type, never by its name; a fatal one stops
the collection it is added to. A database outage is told apart wherever it sits in the chain.
How several collections' statuses add up."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from app.entsoe.errors import TokenRejectedError
from app.services.results import (
    CollectionSummary,
    WindowFailure,
    WindowResult,
    overall_status,
    status_of,
)
from tests.services.support import utc

START, END = utc("2025-01-01T00:00"), utc("2025-01-29T00:00")


class _Revoked(TokenRejectedError):
    pass


# Named like the client's error, but not one: a name must not make it fatal.
_Lookalike = type("TokenRejectedError", (Exception,), {})


def test_a_failure_is_fatal_by_type_and_reports_the_class_name() -> None:
    rejected = WindowFailure.of(START, END, TokenRejectedError(401, "https://x/api"))
    assert rejected.fatal and rejected.error == "TokenRejectedError"
    assert WindowFailure.of(START, END, _Revoked(403, "https://x/api")).fatal
    lookalike = WindowFailure.of(START, END, _Lookalike("no"))
    assert lookalike.error == "TokenRejectedError" and not lookalike.fatal
    assert not rejected.outage and not lookalike.outage
    # Reports and the collection_runs JSON keep their shape.
    assert rejected.as_dict() == {
        "start": START.isoformat(),
        "end": END.isoformat(),
        "error": "TokenRejectedError",
        "message": str(TokenRejectedError(401, "https://x/api")),
    }


def _failed(exc: Exception) -> WindowResult:
    return WindowResult("PT", "actual", START, END, 1, failure=WindowFailure.of(START, END, exc))


def test_a_fatal_failure_aborts_the_summary_and_fails_it() -> None:
    summary = CollectionSummary("PT", "actual", START, END, windows_planned=3)
    summary.add(WindowResult("PT", "actual", START, END, 1, 10, 10))
    summary.add(_failed(_Lookalike("no")))
    assert not summary.aborted and status_of(summary) == "partial"
    summary.add(_failed(TokenRejectedError(401, "https://x/api")))
    assert summary.aborted and status_of(summary) == "failed"
    assert (summary.windows, summary.failed_windows, summary.requests) == (1, 2, 3)


def test_a_database_outage_is_named_by_its_innermost_cause() -> None:
    refused = ConnectionRefusedError(111, "Connect call failed")
    try:
        try:
            raise refused
        except ConnectionRefusedError as exc:
            raise OperationalError("SELECT 1", {}, exc) from exc
    except OperationalError as wrapped:
        failure = WindowFailure.of(START, END, wrapped)
    assert failure.outage and not failure.fatal
    assert failure.error == "OperationalError"
    assert failure.message == "ConnectionRefusedError: [Errno 111] Connect call failed"
    assert not WindowFailure.of(START, END, ValueError("bad XML")).outage


@pytest.mark.parametrize(
    ("statuses", "overall"),
    [
        (["succeeded", "succeeded"], "succeeded"),
        (["skipped"], "skipped"),
        (["skipped", "skipped"], "skipped"),
        # A skipped pair was not collected: never a plain success.
        (["succeeded", "skipped"], "partial"),
        (["partial", "succeeded"], "partial"),
        (["failed", "succeeded"], "partial"),
        (["failed", "failed"], "failed"),
        (["failed", "skipped"], "failed"),
    ],
)
def test_overall_status(statuses: list[str], overall: str) -> None:
    assert overall_status(statuses) == overall
