"""Backfill throughput end to end: sandbox HTTP -> XML -> rows committed in PostgreSQL.

    .venv/bin/python scripts/bench_backfill.py [--area-years N] [--areas DE_LU,FR,...]
        [--data-types load|all|generation,...] [--year 2025] [--concurrency 4]
        [--server postgresql://postgres@127.0.0.1:5432/postgres]

Runs the sandbox as a subprocess (``energy-data-service sandbox``, rate limit lifted, fixed
clock) so it has its own core, creates a scratch database on ``--server`` (dropped at the end
unless ``--keep``), migrates it, and backfills N area-years of the chosen items (``load``: the
six load items, the default; ``generation``: actual generation per production type; ``all``:
every item) with the same code as ``energy-data-service backfill``. Prints the figures and ends
with one JSON line ``{"points_per_s": ..., "requests_per_area_year": ...}``. ``points_per_s``
counts distinct rows durable in the database per second of wall time from the first request to
the last commit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime

import asyncpg
import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db.database import Database
from app.db.migrations import upgrade_to_head
from app.entsoe.client import EntsoeClient
from app.entsoe.items import ITEMS, LOAD_TYPES, DataType
from app.logging import configure_logging
from app.services.backfill import run_backfill
from app.services.collection import SANDBOX_SOURCE, DataCollectionService

# Quarter-hourly zones first (the heavy case), then hourly ones.
DEFAULT_AREAS = ("DE_LU", "FR", "NL", "BE", "AT", "HU", "PT", "ES", "PL", "CZ", "IT_NORD", "SE_3")


def start_sandbox(now: str) -> tuple[subprocess.Popen[str], str]:
    cmd = [
        sys.executable, "-m", "app", "sandbox", "--port", "0", "--rate-limit", "0",
        "--now", now, "--seed", "7",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"(http://\S+/api)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the sandbox did not start: {line!r}")
    return proc, match.group(1)


async def scratch_database(server: str, name: str, *, drop: bool) -> str:
    url = make_url(server).set(drivername="postgresql")
    conn = await asyncpg.connect(url.set(database="postgres").render_as_string(False))
    try:
        if drop:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(drivername="postgresql+asyncpg", database=name).render_as_string(False)


async def bench(args: argparse.Namespace, base_url: str, db_url: str) -> dict[str, float]:
    await upgrade_to_head(db_url)
    database = Database(db_url, pool_size=args.concurrency * 2 + 2)
    areas = [a.strip() for a in args.areas.split(",")][: args.area_years]
    pairs = [(a, dt) for dt in args.data_types for a in areas]
    start = datetime(args.year, 1, 1, tzinfo=UTC)
    end = datetime(args.year + 1, 1, 1, tzinfo=UTC)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:
        client = EntsoeClient(
            http, token="sandbox", base_url=base_url, requests_per_minute=1_000_000
        )
        service = DataCollectionService(client, database, data_source=SANDBOX_SOURCE)
        required = sum(len(service.plan(dt, start, end)) for _, dt in pairs)
        began, cpu = time.perf_counter(), time.process_time()
        outcome = await run_backfill(service, pairs, start, end, concurrency=args.concurrency)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
    async with database.session() as session:
        rows = (await session.execute(text("SELECT count(*) FROM energy_data_points"))).scalar()
    await database.dispose()
    total = outcome.totals()
    if outcome.failures:
        raise SystemExit(f"{len(outcome.failures)} windows failed: {outcome.failures[:3]}")
    rows = int(rows or 0)
    return {
        "area_years": len(areas),
        "data_types": ",".join(args.data_types),  # type: ignore[dict-item]
        "areas": ",".join(areas),  # type: ignore[dict-item]
        "seconds": round(elapsed, 3),
        "collector_cpu_s": round(cpu, 3),
        "rows_stored": rows,
        "points_received": total["points"],
        "requests": total["requests"],
        "requests_required": required,
        "points_per_s": round(rows / elapsed),
        "received_points_per_s": round(total["points"] / elapsed),
        "requests_per_area_year": total["requests"] / len(areas),
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def data_types(text: str) -> list[DataType]:
    """``load``, ``all`` or a comma-separated list of data types -> the data types to request
    (one per request: consumption comes with generation)."""
    if text == "load":
        chosen: list[DataType] = list(LOAD_TYPES)
    elif text == "all":
        chosen = list(DataType)
    else:
        try:
            chosen = [DataType(t.strip()) for t in text.split(",")]
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return list(dict.fromkeys(ITEMS[t].request for t in chosen))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area-years", type=int, default=4)
    parser.add_argument("--areas", default=",".join(DEFAULT_AREAS))
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--data-types", type=data_types, default="load", help="load, all or a list")
    parser.add_argument(
        "--server",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL server to create the scratch database on",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    configure_logging("WARNING")
    name = f"bench_backfill_{os.getpid()}"
    sandbox, base_url = start_sandbox(f"{args.year + 1}-06-01T00:00:00+00:00")
    try:
        db_url = asyncio.run(scratch_database(args.server, name, drop=False))
        try:
            result = asyncio.run(bench(args, base_url, db_url))
        finally:
            if not args.keep:
                asyncio.run(scratch_database(args.server, name, drop=True))
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    # Where the time goes on a 2-core machine: this process, the sandbox, the server.
    result["sandbox_cpu_s"] = round(_children_cpu(), 3)
    for key, value in result.items():
        print(f"{key:>24}: {value:,}" if isinstance(value, int | float) else f"{key:>24}: {value}")
    keys = ("points_per_s", "requests_per_area_year")
    print(json.dumps({k: result[k] for k in keys}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
