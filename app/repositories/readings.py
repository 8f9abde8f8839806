"""The API's read paths over ``energy_data_points``: fast, exact, and in SQL wherever possible.

- Native json/columnar and wide (:meth:`Readings.points`): one binary COPY of the rows straight
  into numpy (:mod:`app.repositories.pg_copy`); counts, first/last and issued time per stored
  series are computed from the same rows, so data and metadata agree by construction (the
  revision is the stored series' own: every row of a series carries it).
- Aggregates and CSV: :meth:`Readings.groups` (grouped statistics per stored series) first,
  then the data, both in one REPEATABLE READ, READ ONLY snapshot. Aggregation runs in SQL
  (``date_bin`` in UTC for PTnM/PTnH, ``date_trunc(unit, ts, zone)`` for P1D/P7D/P1M so local
  days stay local across DST; ``time_bucket`` on TimescaleDB); CSV is rendered by PostgreSQL
  (COPY) into a file the API sends on once the connection is back in the pool.

Ranges are half-open [start, end); timestamps are UTC. Repositories never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import IO, Any

import asyncpg
import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.database import has_timescale, jit_off
from app.exceptions import TooManyPointsError
from app.repositories import pg_copy
from app.repositories import readings_csv_sql as csv_sql
from app.repositories import readings_sql as sql
from app.repositories.readings_buckets_sql import BUCKET_COLUMNS, bucket_args, buckets_sql
from app.repositories.readings_derived import DERIVED_TYPES, derived_series
from app.repositories.readings_native import answer_rows, distinct_ids, group_native
from app.repositories.readings_rows import (
    BucketExpected,
    Bucketing,
    Columns,
    Group,
    RangeQuery,
    SeriesPart,
    group_index,
    psr_code,
)


def _named(query: RangeQuery) -> dict[str, Any]:
    """RangeQuery.args() by the names the SQLAlchemy statements use (:area, :types, ...)."""
    names = ("area", "types", "btypes", "start", "end", "psrs")
    return dict(zip(names, query.args(), strict=True))


class Readings:
    """Read-only queries in the caller's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._snapshot = False

    @property
    def session(self) -> AsyncSession:
        """The session (and snapshot) these reads run in, for other reads that must share it."""
        return self._session

    async def _driver(self) -> asyncpg.Connection:
        conn = await self._session.connection()
        raw = await conn.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        return driver

    async def _begin_snapshot(self) -> None:
        """Open the REPEATABLE READ, READ ONLY transaction the following statements share."""
        if self._snapshot:
            return
        options = None
        if not self._session.in_transaction():
            options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
        await self._session.connection(execution_options=options)
        # Sorting a year of CSV rows needs more than the default 4 MB of work_mem; the CSV
        # timestamps rely on DateStyle ISO. This transaction only.
        await self._session.execute(
            text(
                "SELECT set_config('work_mem', '64MB', true), set_config('DateStyle', 'ISO', true)"
            )
        )
        self._snapshot = True

    async def _copy_binary(
        self, statement: str, args: Sequence[Any], columns: Sequence[tuple[str, str]]
    ) -> dict[str, npt.NDArray[Any]]:
        return await pg_copy.copy_binary(await self._driver(), statement, args, columns)

    async def count(self, query: RangeQuery) -> int:
        """Rows in the range (an index-only count where the visibility map allows)."""
        driver = await self._driver()
        value: int = await driver.fetchval(sql.count_sql(query), *query.args())
        return value

    async def points(self, query: RangeQuery, limit: int) -> tuple[list[Group], Columns]:
        """The stored rows (native resolution) in answer order, and their groups.

        Quantities are float64: numeric(15,3) x 1000 is an exact integer below 2**53 and one
        correctly rounded division gives the double nearest the stored decimal. More than
        ``limit`` rows: :class:`TooManyPointsError` (at most limit + 1 rows are read).
        """
        # A year of many series costs the planner's JIT threshold; compiling takes longer
        # (~0.2 s) than it saves on an index read. This transaction only.
        await jit_off(self._session)
        args = (*query.args(), limit + 1)
        derived = any(t in DERIVED_TYPES for t in query.data_types)
        if derived:
            cols = await self._copy_binary(
                sql.derived_points_sql(query), args, sql.DERIVED_POINT_COLUMNS
            )
        else:
            cols = await self._copy_binary(sql.points_sql(query), args, sql.POINT_COLUMNS)
            key = cols.pop("key").astype(np.int64)
            cols.update(dt=key >> 16, ps=key >> 8 & 255, bt=key & 255)
        if len(cols["ts"]) > limit:
            raise TooManyPointsError
        rows = answer_rows(cols)
        ids = distinct_ids(rows["sid"])
        stored = [i for i in ids if i > 0]
        driver = await self._driver()
        found = await driver.fetch(sql.SERIES_SQL, stored) if stored else []
        series = {r[0]: (r[1], r[2], r[3]) for r in found}
        series.update({i: derived_series(i) for i in ids if i <= 0})
        # Derived rows carry their own revision; stored rows their series' one.
        revisions = None if derived else {r[0]: r[4] for r in found}
        return group_native(query, rows, series, revisions)

    async def groups(self, query: RangeQuery) -> list[Group]:
        """Per series (data type, production type, business type) in the range: the stored
        series its rows come from, in answer order.

        Opens the snapshot: the aggregates or CSV read afterwards see the same rows.
        """
        await self._begin_snapshot()
        rows = (await self._session.execute(text(sql.groups_sql(query)), _named(query))).all()
        by_key: dict[tuple[int, int, int], list[SeriesPart]] = {}
        for dt, bt, ps, sid, unit, resolution, source, *stats in rows:
            if sid <= 0:  # a derived series: no energy_series row
                unit, resolution, source = derived_series(sid)
            part = SeriesPart(sid, unit, resolution, source, *stats)
            by_key.setdefault((dt, ps, bt), []).append(part)
        return [
            Group(
                query.data_types[dt - 1],
                query.business_types[bt - 1],
                tuple(sorted(by_key[(dt, ps, bt)], key=lambda p: p.first)),
                psr_code(ps),
            )
            for dt, ps, bt in sorted(by_key)
        ]

    async def references(
        self, area_code: str, series: Sequence[tuple[str, str]], end: datetime
    ) -> dict[tuple[str, str], tuple[str, datetime]]:
        """Per (data type, production type), (resolution, timestamp) of the stored row nearest
        before ``end`` (else the first after it): the grid an empty range of it would have held.
        """
        if not series:
            return {}
        params = {
            "area": area_code,
            "types": [s[0] for s in series],
            "psrs": [s[1] for s in series],
            "end": end,
        }
        rows = await self._session.execute(text(sql.REFERENCES_SQL), params)
        return {(row[0], row[1]): (row[2], row[3]) for row in rows}

    async def stored_psr_types(
        self, area_code: str, pairs: Sequence[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """Of the (data type, production type) ``pairs``, those with any stored row of the area,
        ordered by production type."""
        params = {
            "area": area_code,
            "types": [p[0] for p in pairs],
            "psrs": [p[1] for p in pairs],
        }
        rows = await self._session.execute(text(sql.STORED_PSR_SQL), params)
        return [(row[0], row[1]) for row in rows]

    async def set_time_zone(self, tz: str) -> None:
        """Render timestamptz in ``tz`` for the rest of the snapshot (CSV with offsets)."""
        await self._begin_snapshot()
        await self._session.execute(text("SELECT set_config('TimeZone', :tz, true)"), {"tz": tz})

    async def suggested_end(self, query: RangeQuery, keep: int) -> datetime | None:
        """The earliest end at which [start, end) holds at most ``keep`` rows (None: all fit)."""
        params = {**_named(query), "keep": keep}
        statement = text(sql.suggested_end_sql(query))
        value: datetime | None = await self._session.scalar(statement, params)
        return value

    async def buckets(
        self, query: RangeQuery, groups: Sequence[Group], bucketing: Bucketing
    ) -> Columns:
        """One row per (group, bucket) holding data: the aggregate and how many rows it covers.

        Call :meth:`groups` first (same snapshot): its series are the ones aggregated.
        """
        timescale = await has_timescale(self._session)
        inner = buckets_sql(query, bucketing.resolution, bucketing.agg, timescale=timescale)
        statement = f"SELECT dt, bt, ps, bucket, value::float8, points FROM ({inner}) b"  # noqa: S608
        args = bucket_args(query, groups, bucketing)
        cols = await self._copy_binary(statement, args, BUCKET_COLUMNS)
        order = np.lexsort((cols["ts"], cols["bt"], cols["ps"], cols["dt"]))
        group = group_index(query, groups, cols["dt"][order], cols["bt"][order], cols["ps"][order])
        # Only rows of the given groups (all of them, within the snapshot groups() opened).
        order, group = order[group >= 0], group[group >= 0]
        return Columns(group, cols["ts"][order], cols["q"][order], points=cols["n"][order])

    async def csv(
        self,
        out: IO[bytes],
        query: RangeQuery,
        groups: Sequence[Group],
        bucketing: Bucketing | None,
        *,
        zoned: bool,
        expected: BucketExpected | None = None,
    ) -> int:
        """CSV rows (no header) rendered by PostgreSQL, written to ``out``; the bytes written.

        ``zoned``: timestamps with the offset of the snapshot's TimeZone (:meth:`set_time_zone`),
        else UTC with ``Z``. Native quantities are the stored decimals (trailing zeros trimmed);
        aggregates are float8 text like the JSON numbers, except the exact numeric min/max/sum.
        Aggregated rows also carry the bucket's points, and its expected points and partial flag
        from ``expected`` (every bucket of the answer, by group index and start).
        Call :meth:`groups` first. ``out`` takes the rows as fast as the server sends them: the
        caller sends them on once the connection is no longer needed.
        """
        timescale = bucketing is not None and await has_timescale(self._session)
        statement, args = csv_sql.csv_statement(
            query, groups, bucketing, zoned=zoned, expected=expected, timescale=timescale
        )
        return await pg_copy.copy_into(await self._driver(), statement, args, out, format="csv")
