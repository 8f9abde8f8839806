"""End to end through the sandbox: a later revision that republishes a day at another resolution
leaves exactly its own rows for that day; the older revision, served again later, changes
nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import httpx
import pytest

from app.db.database import Database
from app.entsoe.areas import get_area
from app.entsoe.items import DataType
from app.sandbox import ManualClock, SandboxConfig, SandboxServer, expected_reply
from app.sandbox import timeline as tl
from tests.services.support import expected, fast_client, sandbox_config, service, stored, utc

pytestmark = pytest.mark.db

DAY = date(2026, 5, 20)
FIRST = utc("2026-05-21T06:00")  # the day is published (actual load lags an hour), not revised
LATER = FIRST + timedelta(days=1)  # revision_delay (a day) after its publication: republished


def day_window(area: str) -> tuple[datetime, datetime]:
    zone = get_area(area).zone
    return tl.local_time(zone, DAY), tl.local_time(zone, DAY + tl.ONE_DAY)


def republishing(clock: ManualClock, area: str) -> SandboxConfig:
    return sandbox_config(
        now=None, clock=clock, revision_share=0.0, gap_share=0.0,
        resolution_revisions={area: frozenset({DAY})},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("area", "first_rows", "later_rows", "resolution"),
    [("DE_LU", 96, 24, "PT60M"), ("PT", 24, 96, "PT15M")],
)
def test_the_sandbox_republishes_the_day_at_the_other_resolution(
    area: str, first_rows: int, later_rows: int, resolution: str
) -> None:
    start, end = day_window(area)
    config = republishing(ManualClock(FIRST), area)
    first = expected_reply(area, DataType.ACTUAL, start, end, config=config, now=FIRST)
    later = expected_reply(area, DataType.ACTUAL, start, end, config=config, now=LATER)
    assert (first.revision_number, first.point_count) == (1, first_rows)
    assert (later.revision_number, later.point_count) == (2, later_rows)
    assert [p.resolution for s in later.series for p in s.periods] == [resolution]
    # the neighbouring day is not republished
    next_day = expected_reply(
        area, DataType.ACTUAL, end, end + timedelta(hours=1), config=config, now=LATER
    )
    assert next_day.revision_number == 1


@pytest.mark.parametrize(("area", "deleted"), [("DE_LU", 72), ("PT", 0)])
async def test_a_day_republished_at_another_resolution_keeps_exactly_the_new_rows(
    area: str,
    deleted: int,
    db: Database,
    http: httpx.AsyncClient,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    clock = ManualClock(FIRST)
    config = republishing(clock, area)
    collector = service(fast_client(http, start_sandbox(config).base_url), db)
    start, end = day_window(area)

    first = await collector.collect(area, DataType.ACTUAL, start, end)
    assert first.status == "succeeded"
    assert await stored(db, area, DataType.ACTUAL) == expected(
        config, area, DataType.ACTUAL, [(start, end)], now=FIRST
    )

    clock.set(LATER)
    second = await collector.collect(area, DataType.ACTUAL, start, end)
    now_served = expected(config, area, DataType.ACTUAL, [(start, end)], now=LATER)
    assert await stored(db, area, DataType.ACTUAL) == now_served
    assert (second.deleted, second.inserted) == (
        deleted,
        len(now_served) - first.inserted + deleted,
    )
    assert second.as_dict()["deleted"] == deleted

    # The older revision, served again (the clock set back), deletes and overwrites nothing,
    # and does not bring its superseded rows back either.
    clock.set(FIRST)
    third = await collector.collect(area, DataType.ACTUAL, start, end)
    assert third.status == "succeeded"
    assert (third.deleted, third.inserted, third.updated) == (0, 0, 0)
    assert await stored(db, area, DataType.ACTUAL) == now_served
