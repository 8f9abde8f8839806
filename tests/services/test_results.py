"""A failed window is fatal by the exception's type, never by its name; a fatal one stops
the collection it is added to."""

from __future__ import annotations

from app.entsoe.errors import TokenRejectedError
from app.services.results import CollectionSummary, WindowFailure, WindowResult, status_of
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
    assert WindowFailure.of(START, END, OSError("refused"), "OSError: refused").message == (
        "OSError: refused"
    )
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
