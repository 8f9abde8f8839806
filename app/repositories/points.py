"""Storing energy data points: the revision-guarded upsert, the series rows it refers to, and
the removal of stored rows a newer revision superseded.

Time: every timestamp is an aware UTC instant (naive ones are refused). Quantities are stored as
numeric(15,3): incoming values are rounded to 3 decimals before they are compared or stored; one
the column cannot hold is refused (:func:`app.domain.points.storable`, the processor rejects such
points first). The reads are :mod:`app.repositories.stored` and :mod:`app.repositories.readings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.points import CoveredPeriod, EnergyPoint, SeriesMeta
from app.repositories import points_sql
from app.repositories.points_batch import Batch, GroupKey, group_key, series_key

# Points per merge statement: large enough that per-statement costs vanish, small enough that one
# statement's arrays and sort stay in memory (scripts/bench_upsert.py measured the choice).
CHUNK_SIZE = 25_000
UNIQUE_VIOLATION = "23505"
REAL_SOURCE = "entsoe"  # rows ENTSO-E itself published (see DataCollectionService)

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What an upsert did, counted per distinct key of a chunk (``chunk_size`` points).

    A key sent twice in one chunk counts once; sent in two chunks of one call it counts in both
    (what is stored is the same either way: the highest revision, then the last sent).

    ``unchanged``: nothing was written for the key, because the incoming row carried the same
    value and unit/resolution/curve type/source, or an older revision (also: one inside a
    covered Period where a newer revision is stored). ``deleted``: stored rows a covered Period
    superseded (not counted per chunk: each row once).
    """

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.deleted + other.deleted,
        )

    @property
    def written(self) -> int:
        return self.inserted + self.updated


class PointsRepository:
    """Writes ``energy_data_points`` (and ``energy_series``) in the caller's transaction.

    It never commits: the caller's ``async with database.session()`` decides.
    """

    def __init__(self, session: AsyncSession, *, chunk_size: int = CHUNK_SIZE) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self._session = session
        self._chunk_size = chunk_size

    async def upsert(
        self, points: Sequence[EnergyPoint], covered: Sequence[CoveredPeriod] = ()
    ) -> UpsertResult:
        """Store ``points`` set-based, one merge statement per chunk, revision-guarded.

        Rows of another source never replace rows whose source is ENTSO-E itself. A stored row
        is replaced only by an incoming one whose (revision_number,
        document_created_at) is >= its own and whose quantity or unit/resolution/curve type/source
        differ; anything else writes nothing. Within the batch, of several points with one key
        the one with the highest (revision_number, document_created_at) wins, then the last one.

        ``covered``: the Periods ``points`` came from, each with every point its document holds
        in it (never a part of a document's points). Inside a Period, the stored rows of its
        series (area, data type, business type, production type) that ``points`` have no key for
        are deleted when the Period's revision is newer than or equal to all stored there; where
        a newer one is stored, the Period changes nothing and its points are not written. A Period
        ENTSO-E did not publish never deletes a row it did. A Period marked ``complete`` must
        come with a point on every interval of its grid: its rows off that grid are deleted
        without comparing keys. One statement for all Periods (a second one when rows go), in the
        caller's transaction.
        """
        if not points and not covered:
            return UpsertResult()
        batch = Batch.of(points)
        result = UpsertResult()
        if covered:
            deleted, stale = await self._supersede(batch, covered)
            result = UpsertResult(deleted=deleted)
            if stale:
                points, skipped = _outside([covered[i] for i in stale], points)
                batch = Batch.of(points)
                result = result + UpsertResult(unchanged=skipped)
                log.info("energy_data.older_revision_ignored", periods=len(stale), points=skipped)
        if not points:
            return result
        series_ids = await self._series_ids(batch.metas)
        foreign = any(m.data_source != REAL_SOURCE for m in batch.metas)
        for params in batch.chunks(self._chunk_size, series_ids):
            distinct, inserted, updated = await self._merge(params, foreign=foreign)
            result = result + UpsertResult(inserted, updated, distinct - inserted - updated)
        return result

    async def _supersede(
        self, batch: Batch, covered: Sequence[CoveredPeriod]
    ) -> tuple[int, list[int]]:
        """Apply ``covered`` (see points_sql): (rows deleted, indices of stale Periods)."""
        params = batch.period_params(covered, REAL_SOURCE)
        judged = (await self._session.execute(text(points_sql.JUDGE_PERIODS), params)).all()
        stale = [int(n) - 1 for n, is_stale, _ in judged if is_stale]
        doomed = [int(n) for n, is_stale, suspect in judged if suspect and not is_stale]
        if not doomed:
            return 0, stale
        keys = any(params["c_step"][n - 1] == 0 for n in doomed)
        params |= batch.key_params(params) if keys else {"r_start": [], "r_grp": [], "p_ts": []}
        params["doomed"] = doomed
        deleted = await self._session.scalar(text(points_sql.DELETE_SUPERSEDED), params)
        return int(deleted or 0), stale

    async def _merge(self, params: dict[str, Any], *, foreign: bool) -> tuple[int, int, int]:
        """Run one chunk: the fast merge in a savepoint, the safe one if a concurrent writer won.

        ``foreign``: the chunk holds rows of another source than ENTSO-E (the sandbox), which
        must never replace rows ENTSO-E published.
        (The savepoint costs two round trips; the plain insert it protects saves about a quarter
        of the time of a chunk of new points.)
        """
        try:
            async with self._session.begin_nested():
                fast = (
                    points_sql.MERGE_POINTS_FAST_FOREIGN
                    if foreign
                    else points_sql.MERGE_POINTS_FAST
                )
                row = (await self._session.execute(text(fast), params)).one()
        except IntegrityError as exc:
            if getattr(exc.orig, "sqlstate", None) != UNIQUE_VIOLATION:
                raise
            log.info("energy_data.merge_retried", reason="concurrent insert of the same keys")
            safe = points_sql.MERGE_POINTS_FOREIGN if foreign else points_sql.MERGE_POINTS
            row = (await self._session.execute(text(safe), params)).one()
        distinct, inserted, updated = row
        return int(distinct), int(inserted), int(updated)

    async def _series_ids(self, metas: Sequence[SeriesMeta]) -> list[int]:
        """The energy_series id of every meta, inserting the missing series (set-based)."""
        keys = list(dict.fromkeys(series_key(m) for m in metas))
        columns = list(zip(*keys, strict=True))
        params = dict(zip(points_sql.SERIES_PARAMS, columns, strict=True))
        await self._session.execute(text(points_sql.INSERT_SERIES), params)
        # A second statement (a fresh snapshot) also sees series a concurrent transaction committed
        # while the insert above waited on it and then did nothing.
        rows = await self._session.execute(text(points_sql.SELECT_SERIES), params)
        id_of = {tuple(row[1:]): row[0] for row in rows}
        return [id_of[series_key(m)] for m in metas]


def _outside(
    periods: Sequence[CoveredPeriod], points: Sequence[EnergyPoint]
) -> tuple[list[EnergyPoint], int]:
    """``points`` without those inside ``periods``, and how many distinct keys were left out."""
    spans: dict[GroupKey, list[tuple[datetime, datetime]]] = {}
    for period in periods:
        spans.setdefault(period.series, []).append((period.start, period.end))
    kept: list[EnergyPoint] = []
    left_out: set[tuple[datetime, str, str, str, str]] = set()
    for point in points:
        inside = spans.get(group_key(point.meta), ())
        if any(start <= point.timestamp < end for start, end in inside):
            left_out.add(point.key)
        else:
            kept.append(point)
    return kept, len(left_out)
