"""Same request, seed and clock -> the same bytes; revisions change only the revised hours."""

from __future__ import annotations

from datetime import timedelta

import httpx

from app.entsoe.items import DataType
from app.entsoe.parser import MarketDocument, parse
from app.sandbox import ManualClock, SandboxConfig, SandboxServer, expected_points
from app.sandbox.generator import revised_hours
from tests.sandbox.support import NOW, ask, params, rows, utc

WINDOW = (utc("2025-10-01T00:00"), utc("2025-10-20T00:00"))


def test_same_request_same_bytes_other_seed_other_values() -> None:
    for data_type in DataType:
        first = ask(SandboxConfig(now=NOW), "DE_LU", data_type, *WINDOW).body
        again = ask(SandboxConfig(now=NOW), "DE_LU", data_type, *WINDOW).body
        assert first == again
        other = ask(SandboxConfig(now=NOW, seed=7), "DE_LU", data_type, *WINDOW).body
        assert other != first
        assert _doc(other).mrid != _doc(first).mrid


def test_replies_do_not_depend_on_wall_clock_or_on_the_http_path(sandbox: SandboxServer) -> None:
    local = ask(SandboxConfig(now=NOW), "NL", DataType.ACTUAL, *WINDOW).body
    with httpx.Client() as client:
        bodies = {
            client.get(sandbox.base_url, params=params("NL", DataType.ACTUAL, *WINDOW)).content
            for _ in range(3)
        }
    assert bodies == {local}
    assert _doc(local).created_at == NOW  # the sandbox clock at the answer


def test_a_value_does_not_depend_on_the_window_that_asks_for_it() -> None:
    config = SandboxConfig(now=NOW)
    wide = {
        p.timestamp: p.quantity for p in expected_points("CZ", "actual", *WINDOW, config=config)
    }
    narrow = expected_points(
        "CZ", "actual", utc("2025-10-07T00:00"), utc("2025-10-08T00:00"), config=config
    )
    assert narrow and all(wide[p.timestamp] == p.quantity for p in narrow)


def test_revisions_change_only_the_revised_hours() -> None:
    # At 23:00Z on 9 Oct the whole local day is published and none of it revised yet.
    clock = ManualClock(utc("2025-10-09T23:00"))
    config = SandboxConfig(clock=clock, revision_share=0.05, gap_share=0.0)
    window = (utc("2025-10-08T22:00"), utc("2025-10-09T22:00"))  # 9 Oct, CEST
    revised = {
        h
        for h in revised_hours(0, "DE_LU", "actual", 2025, 0.05)
        if window[0].timestamp() <= h * 3600 < window[1].timestamp()
    }
    assert revised, "the seed should revise some hours of this day"

    first = ask(config, "DE_LU", DataType.ACTUAL, *window).body
    clock.advance(timedelta(days=1))  # every hour of 9 Oct republished
    second = ask(config, "DE_LU", DataType.ACTUAL, *window).body
    before, after = _doc(first), _doc(second)
    assert (before.revision_number, after.revision_number) == (1, 2)
    assert after.created_at > before.created_at
    old = {p.timestamp: p.quantity for p in rows(first)}
    new = {p.timestamp: p.quantity for p in rows(second)}
    assert old.keys() == new.keys() and len(old) == 96
    changed = {t for t in old if old[t] != new[t]}
    assert {int(t.timestamp()) // 3600 for t in changed} == revised
    assert len(changed) == 4 * len(revised)  # every quarter-hour of a revised hour
    # What the sandbox says it holds follows the clock too.
    assert {
        p.timestamp: p.quantity for p in expected_points("DE_LU", "actual", *window, config=config)
    } == new


def test_a_day_without_revised_hours_stays_revision_1() -> None:
    config = SandboxConfig(now=NOW, revision_share=0.05, gap_share=0.0)
    hours = revised_hours(0, "DE_LU", "actual", 2025, 0.05)
    day = utc("2025-03-01T23:00")
    while any(day.timestamp() <= h * 3600 < day.timestamp() + 86400 for h in hours):
        day += timedelta(days=1)
    doc = _doc(ask(config, "DE_LU", DataType.ACTUAL, day, day + timedelta(days=1)).body)
    assert doc.revision_number == 1


def test_day_ahead_revisions_come_a_day_after_publication() -> None:
    clock = ManualClock(utc("2025-10-08T09:00"))  # 11:00 CEST on 8 Oct: 9 Oct published at 10:00
    config = SandboxConfig(clock=clock, revision_share=0.05)
    window = (utc("2025-10-08T22:00"), utc("2025-10-09T22:00"))
    first = _doc(ask(config, "DE_LU", DataType.DAY_AHEAD, *window).body)
    clock.set(utc("2025-10-09T09:00"))
    second = _doc(ask(config, "DE_LU", DataType.DAY_AHEAD, *window).body)
    assert (first.revision_number, second.revision_number) == (1, 2)
    assert (first.created_at, second.created_at) == (
        utc("2025-10-08T09:00"),
        utc("2025-10-09T09:00"),
    )


def _doc(body: bytes) -> MarketDocument:
    doc = parse(body)
    assert isinstance(doc, MarketDocument)
    return doc
