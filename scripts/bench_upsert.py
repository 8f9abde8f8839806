"""Benchmark PointsRepository.upsert against a real server, beside COPY and the ORM.

    .venv/bin/python scripts/bench_upsert.py [--points N] [--database-url URL]

The server is ``--database-url``, else the configured one (DATABASE__URL / DATABASE_URL /
DATABASE__HOST), else the embedded server in DATABASE__EMBEDDED_DATA_DIR. Everything runs in a
scratch database created on that server (migrated with the real Alembic migrations) and dropped at
the end, so the service's data is never touched.

Data: 30 areas x PT15M actuals, area by area in time order (as the collector stores them), one
TimeSeries per area and day (96 points), one document per area and 28 days (one request).
- phase 1: upsert the N new points, ``--batch`` points per transaction;
- phase 2: upsert the same N again, 10% of the series (every tenth day) revised: revision + 1,
  a later document_created_at and a different value; the rest unchanged;
- copy: a plain COPY of the same N rows into an empty copy of the table (its primary key and
  defaults, no FK), one COPY in one transaction: the ceiling;
- orm: the naive ORM design, the baseline: one mapped object per point with all its metadata on the
  row (SeedPoint), session.add_all + commit, on a sample of ``--orm-points`` points into an empty
  table, scaled to points/s.
Both phases pass each batch's covered Periods along (one per series, complete, as the collector
passes what the processor made; ``--no-periods``: none, so nothing is judged or deleted).
Every timing starts from EnergyPoint and CoveredPeriod objects (building rows or arrays from them
is included) and ends with the commit. A CHECKPOINT precedes each timed step (when the role may
run it) so that one step's dirty pages are not written during the next one.
The last line is JSON: {"points_per_s", "reupsert_points_per_s", "copy_points_per_s",
"orm_points_per_s"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import DateTime, Numeric, String, func, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings, to_async_url
from app.db.database import Database
from app.db.embedded import database_url
from app.db.migrations import upgrade_to_head
from app.domain.points import CoveredPeriod, EnergyPoint, SeriesMeta
from app.entsoe.areas import AREAS
from app.repositories.points import CHUNK_SIZE, PointsRepository, UpsertResult

AREA_CODES = tuple(a.code for a in AREAS[:30])
START = datetime(2024, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=15)
COLUMNS = (
    "area_code",
    "data_type",
    "timestamp",
    "business_type",
    "quantity",
    "revision_number",
    "document_created_at",
    "series_id",
)


class Base(DeclarativeBase):
    pass


class SeedPoint(Base):
    """The baseline: the naive ORM design, one mapped object per point carrying all its metadata.

    That design keeps every attribute on the point row (no series table); the ORM inserts the
    objects (insertmanyvalues batches) and fetches the server defaults back.
    """

    __tablename__ = "bench_orm"
    area_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    data_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    business_type: Mapped[str] = mapped_column(String(3), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(15, 3))
    unit: Mapped[str] = mapped_column(String(8))
    resolution: Mapped[str] = mapped_column(String(8))
    curve_type: Mapped[str] = mapped_column(String(3))
    document_mrid: Mapped[str] = mapped_column(String(64))
    revision_number: Mapped[int]
    document_created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    time_series_mrid: Mapped[str] = mapped_column(String(64))
    data_source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def make_points(n: int, seed: int = 1) -> list[EnergyPoint]:
    rng = random.Random(seed)
    per_area = [n // len(AREA_CODES) + (i < n % len(AREA_CODES)) for i in range(len(AREA_CODES))]
    points: list[EnergyPoint] = []
    for area, count in zip(AREA_CODES, per_area, strict=True):
        meta = None
        for i in range(count):
            day, document = i // 96, i // (96 * 28)
            if i % 96 == 0:
                created = START + timedelta(days=day + 1, hours=1)
                meta = SeriesMeta(
                    area, "actual", "A04", "MAW", "PT15M", "A01",
                    f"{area}-doc-{document}", 1, created, f"{area}-ts-{day}", "entsoe",
                )  # fmt: skip
            assert meta is not None
            value = Decimal(rng.randint(1_000_000, 80_000_000)).scaleb(-3)
            points.append(EnergyPoint(START + i * STEP, value, meta))
    return points


def revise(points: list[EnergyPoint]) -> tuple[list[EnergyPoint], int]:
    """The same points, every tenth series revised: revision + 1, later document, value + 1."""
    revised: dict[int, SeriesMeta] = {}
    out, changed = [], 0
    for p in points:
        day = (p.timestamp - START) // timedelta(days=1)
        if day % 10 != 0:
            out.append(p)
            continue
        meta = revised.get(id(p.meta))
        if meta is None:
            m = p.meta
            meta = SeriesMeta(
                m.area_code, m.data_type, m.business_type, m.unit, m.resolution, m.curve_type,
                m.document_mrid + "-r2", m.revision_number + 1,
                m.document_created_at + timedelta(days=1), m.time_series_mrid, m.data_source,
            )  # fmt: skip
            revised[id(p.meta)] = meta
        out.append(EnergyPoint(p.timestamp, p.quantity + 1, meta))
        changed += 1
    return out, changed


def batches(points: list[EnergyPoint], size: int) -> Iterator[list[EnergyPoint]]:
    for start in range(0, len(points), size):
        yield points[start : start + size]


def covered(points: list[EnergyPoint]) -> list[CoveredPeriod]:
    """One Period per series of ``points``, from its first point to the end of its last (a
    series has a point every STEP, so each Period is complete), as the processor makes them."""
    spans: dict[int, tuple[SeriesMeta, datetime, datetime]] = {}
    for p in points:
        span = spans.get(id(p.meta))
        spans[id(p.meta)] = (p.meta, p.timestamp if span is None else span[1], p.timestamp)
    return [CoveredPeriod(meta, first, last + STEP, True) for meta, first, last in spans.values()]


async def checkpoint(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        superuser = await conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = user"))
        if superuser:
            await conn.execute(text("CHECKPOINT"))
            await conn.commit()


async def timed_upsert(
    db: Database, points: list[EnergyPoint], batch: int, chunk_size: int, periods: bool
) -> tuple[float, UpsertResult]:
    # The Periods come with the points (the processor makes them per Period): not timed.
    parts = [(part, covered(part) if periods else []) for part in batches(points, batch)]
    await checkpoint(db.engine)
    total = UpsertResult()
    began = time.perf_counter()
    for part, spans in parts:
        async with db.session() as session:
            repo = PointsRepository(session, chunk_size=chunk_size)
            total = total + await repo.upsert(part, spans)
    return time.perf_counter() - began, total


async def timed_copy(db: Database, points: list[EnergyPoint]) -> float:
    async with db.session() as session:
        await session.execute(
            text("CREATE TABLE bench_copy (LIKE energy_data_points INCLUDING ALL)")
        )
        rows = await session.execute(
            text("SELECT document_mrid, revision_number, time_series_mrid, id FROM energy_series")
        )
        series = {tuple(r[:3]): r[3] for r in rows}
    await checkpoint(db.engine)
    began = time.perf_counter()
    async with db.engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        ids: dict[int, int] = {}
        records = []
        for p in points:
            m = p.meta
            sid = ids.get(id(m))
            if sid is None:
                sid = ids[id(m)] = series[(m.document_mrid, m.revision_number, m.time_series_mrid)]
            records.append(
                (m.area_code, m.data_type, p.timestamp, m.business_type, p.quantity,
                 m.revision_number, m.document_created_at, sid)
            )  # fmt: skip
        await driver.copy_records_to_table("bench_copy", records=records, columns=COLUMNS)
    return time.perf_counter() - began


async def timed_orm(db: Database, points: list[EnergyPoint]) -> float:
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await checkpoint(db.engine)
    began = time.perf_counter()
    async with AsyncSession(db.engine) as session:
        session.add_all(
            SeedPoint(
                area_code=p.meta.area_code,
                data_type=p.meta.data_type,
                timestamp=p.timestamp,
                business_type=p.meta.business_type,
                quantity=p.quantity,
                unit=p.meta.unit,
                resolution=p.meta.resolution,
                curve_type=p.meta.curve_type,
                document_mrid=p.meta.document_mrid,
                revision_number=p.meta.revision_number,
                document_created_at=p.meta.document_created_at,
                time_series_mrid=p.meta.time_series_mrid,
                data_source=p.meta.data_source,
            )
            for p in points
        )
        await session.commit()
    return time.perf_counter() - began


@asynccontextmanager
async def scratch_database(url: str) -> AsyncIterator[str]:
    """A new database on the server of ``url``, migrated to head; dropped afterwards."""
    name = f"eds_bench_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
        try:
            await upgrade_to_head(scratch)
            yield scratch
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def run(args: argparse.Namespace, url: str) -> dict[str, float]:
    points = make_points(args.points)
    again, revised = revise(points)
    async with scratch_database(url) as scratch:
        db = Database(scratch, pool_size=2)
        try:
            async with db.engine.connect() as conn:
                version = await conn.scalar(text("SHOW server_version"))
                if args.with_fk:
                    await conn.execute(
                        text(
                            "ALTER TABLE energy_data_points ADD CONSTRAINT fk_series"
                            " FOREIGN KEY (series_id) REFERENCES energy_series (id)"
                        )
                    )
                    await conn.commit()
            print(
                f"server PostgreSQL {version}; {len(points):,} points, batch {args.batch:,},"
                f" chunk {args.chunk_size:,}{', with the series FK' if args.with_fk else ''}"
                f"{'' if args.no_periods else ', with covered Periods'}"
            )
            periods = not args.no_periods
            t1, r1 = await timed_upsert(db, points, args.batch, args.chunk_size, periods)
            print(f"phase 1 upsert   {len(points) / t1:>10,.0f} points/s  {t1:7.2f} s  {r1}")
            assert r1 == UpsertResult(inserted=len(points)), r1
            async with db.engine.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE energy_data_points"))
            t2, r2 = await timed_upsert(db, again, args.batch, args.chunk_size, periods)
            print(f"phase 2 reupsert {len(again) / t2:>10,.0f} points/s  {t2:7.2f} s  {r2}")
            expected = UpsertResult(updated=revised, unchanged=len(points) - revised)
            assert r2 == expected, (r2, expected)
            figures = {"points_per_s": len(points) / t1, "reupsert_points_per_s": len(again) / t2}
            if not args.no_baselines:
                tc = await timed_copy(db, points)
                print(f"plain COPY       {len(points) / tc:>10,.0f} rows/s    {tc:7.2f} s")
                sample = points[: args.orm_points]
                to = await timed_orm(db, sample)
                print(f"ORM add_all      {len(sample) / to:>10,.0f} points/s  {to:7.2f} s"
                      f"  ({len(sample):,} points)")  # fmt: skip
                figures |= {
                    "copy_points_per_s": len(points) / tc,
                    "orm_points_per_s": len(sample) / to,
                }
        finally:
            await db.dispose()
    return {k: round(v) for k, v in figures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="any PostgreSQL URL; default: the configured one")
    parser.add_argument("--batch", type=int, default=50_000, help="points per transaction")
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="points per statement")
    parser.add_argument("--orm-points", type=int, default=50_000)
    parser.add_argument("--no-baselines", action="store_true", help="skip COPY and ORM")
    parser.add_argument(
        "--no-periods", action="store_true", help="upsert without covered Periods (no deletion)"
    )
    parser.add_argument(
        "--with-fk", action="store_true", help="add a FOREIGN KEY on series_id (to price it)"
    )
    args = parser.parse_args()

    given = to_async_url(args.database_url) if args.database_url else None
    with database_url(Settings().database, given) as url:
        figures = asyncio.run(run(args, url))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
