"""The "maximum allowed period" of each item, with the platform's wording, as a client meets it.

ENTSO-E states the limit as an ISO period added to periodStart in UTC (P1M for actual and
day-ahead load since 2026, P1Y for the forecasts and the margin) and refuses a longer request
with HTTP 400 and "Provided time interval (...) is larger than maximum allowed period ...".
"""

from __future__ import annotations

from datetime import datetime

import pytest

from app.entsoe.items import DataType
from app.entsoe.parser import Acknowledgement, parse
from app.entsoe.transport import is_interval_too_large
from app.sandbox import SandboxConfig
from tests.sandbox.support import NOW, ask, utc

CONFIG = SandboxConfig(now=NOW)


def _refusal(data_type: DataType, start: datetime, end: datetime) -> str:
    reply = ask(CONFIG, "CZ", data_type, start, end)
    assert reply.status == 400, reply.body[:300]
    assert dict(reply.headers) == {
        "content-type": "text/xml",
        "content-disposition": 'inline; filename="acknowledgement.xml"',
    }
    ack = parse(reply.body)
    assert isinstance(ack, Acknowledgement) and [r.code for r in ack.reasons] == ["999"]
    return ack.reasons[0].text


@pytest.mark.parametrize(
    ("data_type", "period", "export", "allowed_end", "too_far"),
    [
        (DataType.ACTUAL, "P1M", "ACTUAL_TOTAL_LOAD_R3", "2025-11-01T00:00", "2025-11-01T00:15"),
        (DataType.DAY_AHEAD, "P1M", "DAY_AHEAD_TOTAL_LOAD_FORECAST_R3", "2025-11-01T00:00",
         "2025-11-01T01:00"),
        (DataType.WEEK_AHEAD, "P1Y", "TOTAL_LOAD_FORECAST", "2026-10-01T00:00", "2026-10-02T00:00"),
        (DataType.MONTH_AHEAD, "P1Y", "TOTAL_LOAD_FORECAST", "2026-10-01T00:00",
         "2026-10-01T00:15"),
        (DataType.YEAR_AHEAD, "P1Y", "TOTAL_LOAD_FORECAST", "2026-10-01T00:00", "2026-10-01T01:00"),
        (DataType.FORECAST_MARGIN, "P1Y", "YEAR_AHEAD_FORECAST_MARGIN_R3", "2026-10-01T00:00",
         "2026-10-02T00:00"),
    ],
)  # fmt: skip
def test_each_item_allows_its_period_and_refuses_more_in_the_platforms_words(
    data_type: DataType, period: str, export: str, allowed_end: str, too_far: str
) -> None:
    start = utc("2025-10-01T00:00")
    assert ask(CONFIG, "CZ", data_type, start, utc(allowed_end)).status == 200
    text = _refusal(data_type, start, utc(too_far))
    assert text == (
        f"Provided time interval (2025-10-01T00:00:00Z - {too_far}:00Z) is larger than maximum"
        f" allowed period '{period}' for '{export}:XML' export."
    )
    assert is_interval_too_large(text)  # our client halves the window on it


def test_the_refusal_reported_by_entsoe_py_users_word_for_word() -> None:
    # entsoe-py issue 546 (2026): query_load for DE_50HZ over three months.
    text = _refusal(DataType.ACTUAL, utc("2022-02-28T23:00"), utc("2022-05-30T22:00"))
    assert text == (
        "Provided time interval (2022-02-28T23:00:00Z - 2022-05-30T22:00:00Z) is larger than"
        " maximum allowed period 'P1M' for 'ACTUAL_TOTAL_LOAD_R3:XML' export."
    )


@pytest.mark.parametrize(
    ("start", "end", "allowed"),
    [
        ("2023-12-31T23:00", "2024-01-31T23:00", True),  # January in Brussels, 31 days
        ("2024-01-31T23:00", "2024-02-29T23:00", True),  # 31 Jan + P1M clamps to 29 Feb
        ("2025-01-31T23:00", "2025-02-28T23:00", True),
        ("2024-07-31T22:00", "2024-08-31T22:00", True),  # August in Brussels, 31 days
        # P1M is counted in UTC: from 30 April 22:00Z it ends on 30 May 22:00Z, so the local
        # month of May is one day too long (as users of the real platform found).
        ("2025-04-30T22:00", "2025-05-31T22:00", False),
        ("2024-02-29T23:00", "2024-03-31T22:00", False),  # March in Brussels
        ("2024-01-01T00:00", "2024-02-01T00:15", False),
    ],
)
def test_p1m_is_a_calendar_month_counted_in_utc(start: str, end: str, allowed: bool) -> None:
    for data_type in (DataType.ACTUAL, DataType.DAY_AHEAD):
        reply = ask(CONFIG, "BE", data_type, utc(start), utc(end))
        assert reply.status == (200 if allowed else 400), reply.body[:400]


def test_a_whole_31_day_month_is_one_document() -> None:
    january = (utc("2023-12-31T23:00"), utc("2024-01-31T23:00"))
    reply = ask(SandboxConfig(now=NOW, gap_share=0.0), "BE", DataType.ACTUAL, *january)
    assert reply.status == 200 and reply.is_document
    assert reply.points == 31 * 96


def test_p1y_allows_a_leap_year_and_a_year_from_29_february() -> None:
    assert ask(CONFIG, "CZ", DataType.YEAR_AHEAD, utc("2023-12-31T23:00"),
               utc("2024-12-31T23:00")).status == 200  # fmt: skip
    leap_day = utc("2024-02-29T00:00")
    assert (
        ask(CONFIG, "CZ", DataType.FORECAST_MARGIN, leap_day, utc("2025-02-28T00:00")).status == 200
    )
    assert (
        ask(CONFIG, "CZ", DataType.FORECAST_MARGIN, leap_day, utc("2025-03-01T00:00")).status == 400
    )
