"""Benchmark the read API over real HTTP (uvicorn) beside the database floor and a naive ORM route.

    .venv/bin/python scripts/bench_api.py [--database-url URL] [--clients 8] [--requests 160]

The server is ``--database-url``, else the configured one (DATABASE__URL / DATABASE_URL /
DATABASE__HOST), else the embedded server. Everything runs in a scratch database created on that
server (migrated with the real Alembic migrations) and dropped at the end (``--keep NAME`` keeps
it under that name and ``--reuse NAME`` benchmarks a kept one without loading again).

Data: one year (2025, 35,040 quarter-hours) of actual and day-ahead load for 30 areas, 2.1M rows,
stored through PointsRepository.upsert with one document per area, item and day, then
VACUUM ANALYZE. The service runs in a uvicorn subprocess on 127.0.0.1 (one worker), started with
``bench_app`` below: the real app plus one extra route, a naive ORM design (SQLAlchemy ORM objects
-> pydantic models -> JSON via response_model), over the same session and rows.

Plus one area-year (the first area, 2025) of actual generation for 20 production types (B01..B20,
business type A01) at PT15M: 700,800 rows, stored as the collector stores A75: one document per
4 weeks, with a TimeSeries per type (280 stored series).

Cases, each a one-year one-area request (areas rotate): ``columnar``, ``json`` (records), ``csv``,
``daily`` (P1D mean in the area's local days, json) and ``orm``. Each runs with ``--clients``
concurrent httpx clients (``--requests`` in all; the ORM a quarter of that) and, for reference,
one client alone. Latency is until the whole body is read. ``db floor``: the statement behind a
native json/columnar answer (one binary COPY of the rows) timed directly with asyncpg, output
discarded, one at a time.

``wide_csv``: the generation year in the wide CSV layout (``layout=wide&format=csv``, one column
per production type), one request at a time, taking turns (run by run) with ``wide floor``, the
database's own read of exactly those rows (one binary COPY of (timestamp, psr_type, quantity)
under the API's WHERE clause, output discarded), and ``wide api read``, the API's native
statement for them (binary COPY). The server runs with API__MAX_POINTS=1000000 (the wide year
holds 700,800 points).
``coverage``: /api/v1/coverage of that generation year (its per-series gap report, what hourly
healing computes per area and item), one request at a time.
The last line is JSON with the medians and p99 in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import socket
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import make_url, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, foreign, relationship

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.api.deps import SessionDep
from app.api.params import business_types
from app.config import Settings, load_settings, to_async_url
from app.db.database import Database
from app.db.embedded import database_url
from app.db.migrations import upgrade_to_head
from app.db.models import energy_data_points, energy_series
from app.domain.points import EnergyPoint, SeriesMeta
from app.entsoe.areas import AREAS
from app.main import create_app
from app.repositories.points import PointsRepository
from app.repositories.readings_rows import RangeQuery
from app.repositories.readings_sql import points_sql, where

SCRIPTS = str(Path(__file__).resolve().parent)
AREA_CODES = tuple(a.code for a in AREAS[:30])
YEAR_START, YEAR_END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=15)
WIDE_AREA = AREA_CODES[0]
WIDE_PSR_TYPES = tuple(f"B{n:02d}" for n in range(1, 21))
MAX_POINTS = 1_000_000


# --- the naive ORM design: ORM objects -> pydantic models -> JSON -----------------------------
class Base(DeclarativeBase):
    pass


class SeriesRow(Base):
    __table__ = energy_series


class PointRow(Base):
    __table__ = energy_data_points
    series: Mapped[SeriesRow] = relationship(
        lazy="joined",
        primaryjoin=energy_data_points.c.series_id == foreign(energy_series.c.id),
        viewonly=True,
    )


class EnergyDataPointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    timestamp: datetime
    area_code: str
    data_type: str
    business_type: str
    quantity: float
    unit: str
    resolution: str
    revision_number: int
    document_created_at: datetime
    data_source: str


orm_router = APIRouter()


@orm_router.get("/bench/orm/energy-data", response_model=list[EnergyDataPointOut])
async def orm_energy_data(
    session: SessionDep, area: str, data_type: str, start: datetime, end: datetime
) -> list[EnergyDataPointOut]:
    rows = (
        await session.execute(
            select(PointRow)
            .where(
                PointRow.area_code == area,
                PointRow.data_type == data_type,
                PointRow.timestamp >= start,
                PointRow.timestamp < end,
            )
            .order_by(PointRow.timestamp)
        )
    ).scalars()
    return [
        EnergyDataPointOut(
            timestamp=r.timestamp,
            area_code=r.area_code,
            data_type=r.data_type,
            business_type=r.business_type,
            quantity=r.quantity,
            unit=r.series.unit,
            resolution=r.series.resolution,
            revision_number=r.revision_number,
            document_created_at=r.document_created_at,
            data_source=r.series.data_source,
        )
        for r in rows
    ]


def bench_app() -> FastAPI:
    """The service as configured from the environment, plus the naive ORM route."""
    app = create_app(load_settings())
    app.include_router(orm_router)
    return app


# --- data -------------------------------------------------------------------------------------
def year_points(area_index: int, data_type: str) -> list[EnergyPoint]:
    """A year of quarter-hours for one area and item, one document per local-free UTC day."""
    rng = random.Random(area_index * 7 + (data_type == "day_ahead"))
    area = AREA_CODES[area_index]
    base = 5_000 + 1_500 * area_index
    points: list[EnergyPoint] = []
    meta: SeriesMeta | None = None
    n = (YEAR_END - YEAR_START) // STEP
    for i in range(n):
        if i % 96 == 0:
            day = YEAR_START + timedelta(days=i // 96)
            meta = SeriesMeta(
                area, data_type, "A04", "MAW", "PT15M", "A01", f"{area}-{data_type}-{day:%Y%m%d}",
                1, day - timedelta(hours=12), f"{area}-{data_type}-ts", "entsoe",
            )  # fmt: skip
        assert meta is not None
        daily = math.sin(2 * math.pi * (i % 96) / 96 - 1.8)
        milli = int((base * (1 + 0.25 * daily) + rng.uniform(-150, 150)) * 1000)
        points.append(EnergyPoint(YEAR_START + i * STEP, Decimal(milli).scaleb(-3), meta))
    return points


def generation_points(psr_type: str) -> list[EnergyPoint]:
    """A year of quarter-hours of actual generation of one production type in WIDE_AREA, one
    document per 4 weeks (the collector's A75 window: one TimeSeries per production type and
    window); solar (B16) is zero at night."""
    number = int(psr_type[1:])
    rng = random.Random(1_000 + number)
    base = 200 + 150 * number
    points: list[EnergyPoint] = []
    meta: SeriesMeta | None = None
    for i in range((YEAR_END - YEAR_START) // STEP):
        if i % (96 * 28) == 0:
            day = YEAR_START + timedelta(days=i // 96)
            mrid = f"{WIDE_AREA}-generation-{day:%Y%m%d}"
            meta = SeriesMeta(
                WIDE_AREA, "generation", "A01", "MAW", "PT15M", "A01", mrid, 1,
                day + timedelta(hours=1), f"{mrid}-{psr_type}", "entsoe", psr_type,
            )  # fmt: skip
        assert meta is not None
        daily = math.sin(2 * math.pi * (i % 96) / 96 - 1.8)
        if psr_type == "B16":
            mw = max(0.0, base * 3 * daily)
        else:
            mw = base * (1 + 0.2 * daily) + rng.uniform(-50, 50)
        milli = int(mw * 1000)
        points.append(EnergyPoint(YEAR_START + i * STEP, Decimal(milli).scaleb(-3), meta))
    return points


async def load(url: str) -> int:
    db = Database(url, pool_size=1)
    total = 0
    began = time.perf_counter()
    try:
        for index in range(len(AREA_CODES)):
            for data_type in ("actual", "day_ahead"):
                points = year_points(index, data_type)
                async with db.session() as session:
                    result = await PointsRepository(session).upsert(points)
                total += result.inserted
            print(
                f"\r  loaded {total:,} rows ({time.perf_counter() - began:.0f} s)",
                end="",
                flush=True,
            )
        for psr_type in WIDE_PSR_TYPES:
            async with db.session() as session:
                result = await PointsRepository(session).upsert(generation_points(psr_type))
            total += result.inserted
            print(
                f"\r  loaded {total:,} rows ({time.perf_counter() - began:.0f} s)",
                end="",
                flush=True,
            )
        print()
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE energy_data_points"))
            await conn.execute(text("VACUUM ANALYZE energy_series"))
    finally:
        await db.dispose()
    return total


@asynccontextmanager
async def scratch_database(url: str, keep: str | None, reuse: str | None) -> AsyncIterator[str]:
    """A migrated database on the server of ``url``: new (dropped after unless kept) or reused."""
    name = reuse or keep or f"eds_bench_api_{uuid.uuid4().hex[:8]}"
    scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
    if reuse:
        yield scratch
        return
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            await upgrade_to_head(scratch)
            print(
                f"loading {len(AREA_CODES)} areas x actual + day-ahead and {WIDE_AREA} x"
                f" {len(WIDE_PSR_TYPES)} generation types, 2025, PT15M into {name}"
            )
            await load(scratch)
            yield scratch
        finally:
            if keep is None:
                async with admin.connect() as conn:
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


# --- measuring --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@asynccontextmanager
async def server(url: str, workers: int) -> AsyncIterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE__URL": url,
        "DATABASE__MIGRATE_ON_STARTUP": "false",
        "COLLECTION__SCHEDULER_ENABLED": "false",
        "LOGGING__LEVEL": "WARNING",
        "API__MAX_POINTS": str(MAX_POINTS),
    }
    command = [
        "-m", "uvicorn", "bench_api:bench_app", "--factory", "--app-dir", SCRIPTS,
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
        "--workers", str(workers),
    ]  # fmt: skip
    process = await asyncio.create_subprocess_exec(sys.executable, *command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                try:
                    if (await http.get(f"{base}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.returncode is not None:
                    raise RuntimeError("uvicorn exited")
                await asyncio.sleep(0.1)
        yield base
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    return statistics.median(ordered), p99


async def timed(call: Callable[[], Awaitable[int]], count: int, clients: int) -> list[float]:
    """Latencies (ms) of ``count`` calls made by ``clients`` concurrent workers."""
    latencies: list[float] = []
    remaining = iter(range(count))

    async def worker() -> None:
        for _ in remaining:
            began = time.perf_counter()
            await call()
            latencies.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies


def http_case(
    http: httpx.AsyncClient, path: str, params: dict[str, str]
) -> Callable[[], Awaitable[int]]:
    """A request of ``params``; an area chosen at random unless ``params`` names one."""

    async def call() -> int:
        response = await http.get(path, params={"area": random.choice(AREA_CODES), **params})
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
        return len(response.content)

    return call


async def floor_case(url: str) -> Callable[[], Awaitable[int]]:
    """The API's statement for a one-year columnar/json answer, run directly, output discarded."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)

    async def call() -> int:
        query = RangeQuery(random.choice(AREA_CODES), ("actual",), ("A04",), YEAR_START, YEAR_END)
        size = 0

        async def sink(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)

        statement = points_sql(query)
        await conn.copy_from_query(statement, *query.args(), 500_001, output=sink, format="binary")
        return size

    return call


def wide_query() -> RangeQuery:
    """The API's query for ``area=WIDE_AREA&data_type=generation`` over the year."""
    btypes = business_types(("generation",), None)
    return RangeQuery(WIDE_AREA, ("generation",), btypes, YEAR_START, YEAR_END)


async def copy_case(
    url: str, statement: str, args: tuple[Any, ...], *, jit: bool = True
) -> Callable[[], Awaitable[int]]:
    """One binary COPY of ``statement``, output discarded (bytes counted); ``jit=False`` as the
    API runs its native read (Readings.points turns JIT off)."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    if not jit:
        await conn.execute("SET jit = off")

    async def call() -> int:
        size = 0

        async def sink(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)

        await conn.copy_from_query(statement, *args, output=sink, format="binary")
        return size

    return call


async def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    async with scratch_database(url, args.keep, args.reuse) as scratch:
        engine = create_async_engine(scratch)
        async with engine.connect() as conn:
            version = await conn.scalar(text("SHOW server_version"))
            rows = await conn.scalar(text("SELECT count(*) FROM energy_data_points"))
        await engine.dispose()
        print(
            f"PostgreSQL {version}; {rows:,} rows; {args.clients} concurrent clients;"
            f" {args.workers} uvicorn worker(s)"
        )
        year = {"start": YEAR_START.isoformat(), "end": YEAR_END.isoformat()}
        cases = {
            "columnar": ("/api/v1/energy-data", {**year, "format": "columnar"}),
            "json": ("/api/v1/energy-data", {**year, "format": "json"}),
            "csv": ("/api/v1/energy-data", {**year, "format": "csv"}),
            "daily": ("/api/v1/energy-data", {**year, "resolution": "P1D", "agg": "mean"}),
            "orm": ("/bench/orm/energy-data", {**year, "data_type": "actual"}),
        }
        figures: dict[str, Any] = {}
        floor = await floor_case(scratch)
        await timed(floor, 5, 1)
        floor_ms = await timed(floor, args.requests // 4, 1)
        figures["db_floor"] = summary(floor_ms)
        query = wide_query()
        wide_floor = await copy_case(
            scratch,
            'SELECT p."timestamp", p.psr_type, p.quantity'  # noqa: S608
            f" FROM energy_data_points p {where(query)}",
            query.args(),
        )
        wide_read = await copy_case(
            scratch, points_sql(query), (*query.args(), MAX_POINTS + 1), jit=False
        )
        many_title = f"{args.clients} clients median/p99 ms"
        print(f"{'case':10} {'bytes':>10} {'1 client median/p99 ms':>24} {many_title:>26}")
        median, p99 = figures["db_floor"]
        print(f"{'db floor':10} {'':>10} {median:11.1f} {p99:11.1f}")
        wide_case = (
            "/api/v1/energy-data",
            {**year, "area": WIDE_AREA, "data_type": "generation", "layout": "wide",
             "format": "csv"},
        )  # fmt: skip
        coverage_case = {"area": WIDE_AREA, "data_type": "generation"}
        async with server(scratch, args.workers) as base:
            limits = httpx.Limits(
                max_connections=args.clients, max_keepalive_connections=args.clients
            )
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as http:
                for name, (path, params) in cases.items():
                    call = http_case(http, path, params)
                    size = await call()
                    count = args.requests // 4 if name == "orm" else args.requests
                    await timed(call, args.clients, args.clients)  # warm every connection
                    single = summary(await timed(call, max(count // 8, 5), 1))
                    many = summary(await timed(call, count, args.clients))
                    figures[name] = many
                    figures[f"{name}_single"] = single
                    print(f"{name:10} {size:>10,} {single[0]:11.1f} {single[1]:11.1f}"
                          f" {many[0]:12.1f} {many[1]:12.1f}")  # fmt: skip
                # The wide year, one request at a time, taking turns with its floor and the
                # API's read: a slower spell of the machine hits all three alike.
                wide_csv = http_case(http, *wide_case)
                size = await wide_csv()
                turns = {"wide_floor": wide_floor, "wide_api_read": wide_read, "wide_csv": wide_csv}
                samples: dict[str, list[float]] = {name: [] for name in turns}
                for run in range(2 + max(args.requests // 8, 5)):
                    for name, call in turns.items():
                        began = time.perf_counter()
                        await call()
                        if run >= 2:  # the first two warm up
                            samples[name].append((time.perf_counter() - began) * 1000)
                figures.update({name: summary(ms) for name, ms in samples.items()})
                # The gap report of that year (what hourly healing computes per area and item).
                call = http_case(http, "/api/v1/coverage", {**year, **coverage_case})
                await call()
                figures["coverage"] = summary(await timed(call, max(args.requests // 16, 5), 1))
        print(
            f"\ngeneration, {WIDE_AREA}, 2025, {len(WIDE_PSR_TYPES)} types,"
            f" wide CSV ({size:,} bytes)"
        )
        for name in ("wide_floor", "wide_api_read", "wide_csv"):
            median, p99 = figures[name]
            ratio = median / figures["wide_floor"][0]
            print(f"{name:14} median {median:8.1f} ms  p99 {p99:8.1f} ms  {ratio:5.2f} x floor")
        median, p99 = figures["coverage"]
        print(f"{'coverage':14} median {median:8.1f} ms  p99 {p99:8.1f} ms  (its gap report)")
    out = {
        "columnar_median_ms": figures["columnar"][0],
        "columnar_p99_ms": figures["columnar"][1],
        "json_median_ms": figures["json"][0],
        "csv_median_ms": figures["csv"][0],
        "daily_median_ms": figures["daily"][0],
        "orm_median_ms": figures["orm"][0],
        "db_floor_ms": figures["db_floor"][0],
        "clients": args.clients,
        "workers": args.workers,
        "columnar_single_client_median_ms": figures["columnar_single"][0],
        "csv_vs_orm_speedup": figures["orm"][0] / figures["csv"][0],
        "wide_csv_median_ms": figures["wide_csv"][0],
        "wide_csv_p99_ms": figures["wide_csv"][1],
        "wide_db_floor_ms": figures["wide_floor"][0],
        "wide_api_read_ms": figures["wide_api_read"][0],
        "wide_csv_vs_floor": figures["wide_csv"][0] / figures["wide_floor"][0],
        "coverage_median_ms": figures["coverage"][0],
    }
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in out.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="any PostgreSQL URL; default: the configured one")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--requests", type=int, default=160, help="per case (the ORM: a quarter)")
    parser.add_argument("--keep", metavar="NAME", help="keep the scratch database under NAME")
    parser.add_argument("--reuse", metavar="NAME", help="benchmark a kept database, no loading")
    args = parser.parse_args()
    given = to_async_url(args.database_url) if args.database_url else None
    with database_url(Settings().database, given) as url:
        figures = asyncio.run(run(args, url))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
