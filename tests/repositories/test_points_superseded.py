"""Covered Periods on the real database: a newer-or-equal revision removes the stored rows of its
series it no longer holds, in the same transaction as the upsert; an older one changes nothing.

Every test runs twice: with Periods marked complete where their points are the whole grid (the
repository then deletes the rows off the grid) and with no Period marked complete (it compares
keys)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.points import CoveredPeriod, EnergyPoint, SeriesMeta
from app.domain.timegrid import FIXED_STEPS
from app.repositories.points import PointsRepository, UpsertResult

pytestmark = pytest.mark.db

DAY = datetime(2024, 3, 1, tzinfo=UTC)
NEXT = DAY + timedelta(days=1)
Q, H = timedelta(minutes=15), timedelta(hours=1)
Points = Callable[..., list[EnergyPoint]]
Meta = Callable[..., SeriesMeta]
Rows = dict[tuple[str, str, str, datetime], tuple[Decimal, int]]
Cover = Callable[..., CoveredPeriod]


@pytest.fixture(params=["grid", "keys"])
def period(request: pytest.FixtureRequest) -> Cover:
    """``period(points, start, end)``: the Period the points came from."""

    def make(
        points: Sequence[EnergyPoint], start: datetime = DAY, end: datetime = NEXT
    ) -> CoveredPeriod:
        meta = points[0].meta
        step = FIXED_STEPS[meta.resolution]
        grid = [start + n * step for n in range((end - start) // step)]
        complete = request.param == "grid" and [p.timestamp for p in points] == grid
        return CoveredPeriod(meta, start, end, complete)

    return make


async def rows(session: AsyncSession) -> Rows:
    """Every stored row: (area, data type, business type, timestamp) -> (quantity, revision)."""
    result = await session.execute(
        text(
            'SELECT area_code, data_type, business_type, "timestamp", quantity, revision_number'
            " FROM energy_data_points"
        )
    )
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in result}


def day_of(rows_: Rows, start: datetime = DAY, end: datetime = NEXT) -> dict[datetime, Decimal]:
    """DE_LU actual A04 rows in [start, end): timestamp -> quantity."""
    return {
        k[3]: v[0]
        for k, v in rows_.items()
        if k[:3] == ("DE_LU", "actual", "A04") and start <= k[3] < end
    }


def quarter_hours(make_points: Points, base: int = 0, **meta: object) -> list[EnergyPoint]:
    return make_points(DAY, [base + n for n in range(96)], step=Q, **meta)


def hours(make_points: Points, base: int = 1000, **meta: object) -> list[EnergyPoint]:
    return make_points(DAY, [base + n for n in range(24)], step=H, resolution="PT60M", **meta)


async def test_a_day_republished_at_another_resolution_keeps_only_the_new_rows(
    db_session: AsyncSession, make_points: Points, period: Cover
) -> None:
    repo = PointsRepository(db_session)
    old = quarter_hours(make_points)
    assert await repo.upsert(old, [period(old)]) == UpsertResult(inserted=96)

    new = hours(make_points, revision_number=2, document_mrid="doc-2")
    result = await repo.upsert(new, [period(new)])
    assert result == UpsertResult(updated=24, deleted=72)
    assert day_of(await rows(db_session)) == {DAY + n * H: Decimal(1000 + n) for n in range(24)}

    # and back to quarter-hours in a third revision: the hours' keys stay, the rest come back
    again = quarter_hours(make_points, 5000, revision_number=3, document_mrid="doc-3")
    assert await repo.upsert(again, [period(again)]) == UpsertResult(inserted=72, updated=24)
    assert day_of(await rows(db_session)) == {DAY + n * Q: Decimal(5000 + n) for n in range(96)}


async def test_a_position_dropped_by_a_newer_revision_goes(
    db_session: AsyncSession, make_points: Points, period: Cover
) -> None:
    repo = PointsRepository(db_session)
    old = quarter_hours(make_points)
    await repo.upsert(old, [period(old)])
    new = [p for p in quarter_hours(make_points, revision_number=2) if p.timestamp != DAY + 7 * Q]
    assert await repo.upsert(new, [period(new)]) == UpsertResult(unchanged=95, deleted=1)
    assert set(day_of(await rows(db_session))) == {DAY + n * Q for n in range(96)} - {DAY + 7 * Q}


async def test_an_equal_revision_removes_too(
    db_session: AsyncSession, make_points: Points, period: Cover
) -> None:
    repo = PointsRepository(db_session)
    old = quarter_hours(make_points)
    await repo.upsert(old, [period(old)])
    same = old[:90]
    assert await repo.upsert(same, [period(same)]) == UpsertResult(unchanged=90, deleted=6)


async def test_an_older_revision_arriving_later_changes_nothing(
    db_session: AsyncSession, make_points: Points, period: Cover
) -> None:
    repo = PointsRepository(db_session)
    created = datetime(2024, 3, 2, tzinfo=UTC)
    new = hours(make_points, revision_number=2, document_created_at=created)
    await repo.upsert(new, [period(new)])
    before = await rows(db_session)

    old = quarter_hours(make_points)  # revision 1: would fill the quarter-hours back in
    assert await repo.upsert(old, [period(old)]) == UpsertResult(unchanged=96)
    assert await rows(db_session) == before
    # same revision number, older document: older too
    older_doc = quarter_hours(make_points, revision_number=2, document_created_at=created - H)
    assert await repo.upsert(older_doc, [period(older_doc)]) == UpsertResult(unchanged=96)
    assert await rows(db_session) == before


async def test_only_the_periods_interval_and_series_are_touched(
    db_session: AsyncSession, make_points: Points, period: Cover
) -> None:
    repo = PointsRepository(db_session)
    day_before = make_points(DAY - H, [1, 2, 3, 4], step=Q)
    day_after = make_points(NEXT, [5, 6], step=Q)
    others = [
        *quarter_hours(make_points, business_type="A60"),
        *quarter_hours(make_points, data_type="day_ahead"),
        *quarter_hours(make_points, area_code="AT"),
    ]
    old = quarter_hours(make_points)
    await repo.upsert([*day_before, *old, *day_after, *others])
    before = await rows(db_session)

    new = hours(make_points, revision_number=2)
    assert (await repo.upsert(new, [period(new)])).deleted == 72
    after = await rows(db_session)
    gone = {("DE_LU", "actual", "A04", DAY + n * Q) for n in range(96) if n % 4}
    assert set(before) - set(after) == gone
    assert all(
        after[k] == before[k]
        for k in after
        if k[:3] != ("DE_LU", "actual", "A04") or not DAY <= k[3] < NEXT
    )


async def test_points_spread_over_chunks_are_all_kept(
    db_session: AsyncSession, make_points: Points, period: Cover
) -> None:
    old = quarter_hours(make_points)
    await PointsRepository(db_session).upsert(old, [period(old)])
    new = quarter_hours(make_points, 100, revision_number=2)[::2]  # every second one
    result = await PointsRepository(db_session, chunk_size=7).upsert(new, [period(new)])
    assert (result.updated, result.deleted) == (48, 48)
    assert day_of(await rows(db_session)) == {p.timestamp: p.quantity for p in new}


async def test_a_period_without_points_leaves_a_gap(
    db_session: AsyncSession, make_points: Points, make_meta: Meta, period: Cover
) -> None:
    """Its every point rejected: the older values in it are superseded all the same."""
    repo = PointsRepository(db_session)
    old = quarter_hours(make_points)
    await repo.upsert(old, [period(old)])
    empty = CoveredPeriod(make_meta(revision_number=2), DAY + H, DAY + 2 * H)
    assert await repo.upsert([], [empty]) == UpsertResult(deleted=4)
    assert len(day_of(await rows(db_session))) == 92


async def test_sandbox_periods_never_delete_real_rows(
    db_session: AsyncSession, make_points: Points, period: Cover
) -> None:
    repo = PointsRepository(db_session)
    real = quarter_hours(make_points)
    await repo.upsert(real, [period(real)])
    sandbox = hours(make_points, revision_number=9, data_source="entsoe-sandbox")
    result = await repo.upsert(sandbox, [period(sandbox)])
    assert (result.deleted, result.written) == (0, 0)
    assert len(day_of(await rows(db_session))) == 96

    # ...while a real Period deletes sandbox rows
    await db_session.execute(text("DELETE FROM energy_data_points"))
    await repo.upsert(sandbox, [period(sandbox)])
    newer = make_points(DAY, [1], revision_number=10)
    assert (await repo.upsert(newer, [period(newer, DAY, DAY + 2 * H)])).deleted == 1


async def test_without_periods_nothing_is_deleted(
    db_session: AsyncSession, make_points: Points
) -> None:
    repo = PointsRepository(db_session)
    await repo.upsert(quarter_hours(make_points))
    result = await repo.upsert(hours(make_points, revision_number=2))
    assert result == UpsertResult(updated=24)
    assert len(day_of(await rows(db_session))) == 96


async def test_deletion_is_part_of_the_callers_transaction(
    db_session: AsyncSession, make_points: Points, period: Cover
) -> None:
    old = quarter_hours(make_points)
    await PointsRepository(db_session).upsert(old, [period(old)])
    await db_session.commit()  # a savepoint release here: the rows are there
    new = hours(make_points, revision_number=2)
    async with db_session.begin_nested() as nested:
        assert (await PointsRepository(db_session).upsert(new, [period(new)])).deleted == 72
        await nested.rollback()
    assert day_of(await rows(db_session)) == {p.timestamp: p.quantity for p in old}


async def test_two_documents_for_one_interval_keep_each_others_rows(
    db_session: AsyncSession, make_points: Points, period: Cover
) -> None:
    """One batch, two revisions-2 documents of one day at two resolutions: the union stays."""
    repo = PointsRepository(db_session)
    old = quarter_hours(make_points)
    await repo.upsert(old, [period(old)])
    hourly = hours(make_points, 0, revision_number=2, document_mrid="doc-h")
    quarterly = quarter_hours(make_points, revision_number=2, document_mrid="doc-q")
    result = await repo.upsert([*hourly, *quarterly], [period(hourly), period(quarterly)])
    assert (result.deleted, result.inserted) == (0, 0)
    assert len(day_of(await rows(db_session))) == 96
