"""Which primary key order serves production types best: measured on two copies of one table.

    .venv/bin/python scripts/bench_key_order.py [--years 3] [--runs 9] [--database-url URL]

The server is ``--database-url``, else TEST_DATABASE_URL, else the configured one, else the
embedded server (as the other scripts). Everything runs in a scratch database created there
(``--database-name``, refused if it exists) and dropped at the end.

Two tables shaped like energy_data_points (same columns and types, plain tables), differing only
in their primary key:
  (a) (area_code, data_type, psr_type, timestamp, business_type)  [migration 0004]
  (b) (area_code, data_type, timestamp, psr_type, business_type)
Both are filled the way the collector fills them: per area, 28-day windows (one request), each
window one INSERT .. ON CONFLICT DO UPDATE of the 20 production types B01..B20 (PT15M
generation, A01) in document order (type, then time), and one of actual load (psr_type '', A04);
``--areas`` areas over ``--years`` years from 2023-01-01 UTC. Then VACUUM ANALYZE.

Reads (the year 2024 of the first area, warm cache, median of ``--runs``): the API's query shape
(area, data_type = ANY, business_type = ANY, [start, end)), its columns sent as binary COPY, with
or without a psr_type condition; each as the planner chooses, and with enable_seqscan off (the
index path, which a real table of many areas and years gets anyway: here one area-year is a
sixth of the table, so the planner may prefer a sequential scan). Each figure is printed with
the plan's scan nodes and the buffers it touched; the two tables take turns run by run, so
load from elsewhere on the machine hits both alike. Writes: the fill (new rows) and one
area-year of all types upserted again with changed values (every row updated), in points/s.
The last line is JSON: per key, every median in milliseconds and the write rates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings, to_async_url
from app.db.embedded import database_url

KEYS = {
    "a": ("area_code", "data_type", "psr_type", '"timestamp"', "business_type"),
    "b": ("area_code", "data_type", '"timestamp"', "psr_type", "business_type"),
}
PSR = [f"B{k:02d}" for k in range(1, 21)]
START = datetime(2023, 1, 1, tzinfo=UTC)
WINDOW = timedelta(days=28)
YEAR = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))

TABLE = """CREATE TABLE {t} (
    area_code varchar(16) NOT NULL, data_type varchar(32) NOT NULL,
    "timestamp" timestamptz NOT NULL, business_type varchar(3) NOT NULL,
    psr_type varchar(3) NOT NULL DEFAULT '', quantity numeric(15, 3) NOT NULL,
    revision_number integer NOT NULL, document_created_at timestamptz NOT NULL,
    series_id integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT {t}_pkey PRIMARY KEY ({key}))"""

# One window of one data type: every psr type of $5, in document order (type, then time).
UPSERT = """INSERT INTO {t} AS p (area_code, data_type, "timestamp", business_type, psr_type,
    quantity, revision_number, document_created_at, series_id)
SELECT $1, $2, ts, $3, c.psr,
       round((1000 + 800 * sin(extract(epoch FROM ts) / 43200 + c.k) + $7)::numeric, 3),
       1 + $7::int, $6::timestamptz + interval '1 day', c.k::int
FROM unnest($5::text[]) WITH ORDINALITY AS c(psr, k),
     generate_series($4::timestamptz, $6::timestamptz - interval '15 minutes',
                     interval '15 minutes') AS ts
ORDER BY c.k, ts
ON CONFLICT ON CONSTRAINT {t}_pkey DO UPDATE SET quantity = EXCLUDED.quantity,
    revision_number = EXCLUDED.revision_number,
    document_created_at = EXCLUDED.document_created_at, updated_at = now()
WHERE p.quantity IS DISTINCT FROM EXCLUDED.quantity"""

# The API's read (app/repositories/readings_sql.py): area, data types, business types, range.
READ = """SELECT p."timestamp", (p.quantity * 1000)::int8, p.series_id, p.revision_number,
       p.document_created_at FROM {t} p
WHERE p.area_code = $1 AND p.data_type = ANY($2::text[]) AND p.business_type = ANY($3::text[])
  AND p."timestamp" >= $4 AND p."timestamp" < $5{psr}"""

# name -> (data_type, business_type, psr_type condition or None, rows expected per day)
QUERIES: dict[str, tuple[str, str, list[str] | None, int]] = {
    "one_type_year": ("generation", "A01", ["B16"], 96),
    "all_types_year_any": ("generation", "A01", PSR, 96 * 20),
    "all_types_year_no_psr": ("generation", "A01", None, 96 * 20),
    "load_year": ("actual", "A04", [""], 96),
    "load_year_no_psr": ("actual", "A04", None, 96),
}


def windows(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    out, at = [], start
    while at < end:
        out.append((at, min(at + WINDOW, end)))
        at += WINDOW
    return out


async def upsert_year(
    conn: asyncpg.Connection,
    table: str,
    areas: list[str],
    span: tuple[datetime, datetime],
    change: int,
) -> int:
    """Every window of ``span`` for ``areas``: generation (20 types) then load; rows written."""
    sql = UPSERT.format(t=table)
    written = 0
    for area in areas:
        for lo, hi in windows(*span):
            for data_type, business, codes in (("generation", "A01", PSR), ("actual", "A04", [""])):
                status = await conn.execute(sql, area, data_type, business, lo, codes, hi, change)
                written += int(status.split()[-1])
    return written


async def read(conn: asyncpg.Connection, sql: str, args: list[Any]) -> tuple[float, int]:
    size = 0

    async def sink(chunk: bytes) -> None:
        nonlocal size
        size += len(chunk)

    began = time.perf_counter()
    await conn.copy_from_query(sql, *args, output=sink, format="binary")
    return time.perf_counter() - began, size


def scan_of(plan: dict[str, Any]) -> str:
    """The plan's scan node(s), e.g. ``Index Scan`` or ``Bitmap Heap Scan``."""
    nodes, stack = [], [plan]
    while stack:
        node = stack.pop()
        if "Scan" in node["Node Type"]:
            nodes.append(node["Node Type"])
        stack.extend(node.get("Plans", []))
    return "+".join(sorted(set(nodes)))


async def plan_of(conn: asyncpg.Connection, sql: str, args: list[Any]) -> str:
    """The plan's scan nodes and the buffers they touched."""
    (explain,) = await conn.fetchrow(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", *args)
    plan = json.loads(explain)[0]["Plan"]
    return f"{plan['Shared Hit Blocks'] + plan['Shared Read Blocks']:>6,} buf {scan_of(plan)}"


async def measure(conn: asyncpg.Connection, area: str, runs: int) -> dict[str, dict[str, float]]:
    """Each read on both tables, as the planner runs it and with sequential scans off (the index
    path, what the planner takes once the area-year is a small share of a large table). The
    tables take turns run by run, so load from elsewhere on the machine hits both alike."""
    figures: dict[str, dict[str, float]] = {key: {} for key in KEYS}
    for name, (data_type, business, codes, per_day) in QUERIES.items():
        psr = "" if codes is None else " AND p.psr_type = ANY($6::text[])"
        args: list[Any] = [area, [data_type], [business], *YEAR]
        if codes is not None:
            args.append(codes)
        sql = {key: READ.format(t=f"points_{key}", psr=psr) for key in KEYS}
        for mode, setting in (("", "on"), ("_index", "off")):
            await conn.execute(f"SET enable_seqscan = {setting}")
            times: dict[str, list[float]] = {key: [] for key in KEYS}
            for key in KEYS:
                rows = await conn.fetchval(f"SELECT count(*) FROM ({sql[key]}) q", *args)  # noqa: S608
                assert rows == per_day * 366, (name, key, rows)
                await read(conn, sql[key], args)  # warm
            for _ in range(runs):
                for key in KEYS:
                    times[key].append((await read(conn, sql[key], args))[0])
            for key in KEYS:
                median = statistics.median(times[key]) * 1000
                figures[key][f"{name}{mode}_ms"] = round(median, 1)
                how = "planner" if setting == "on" else "index path"
                print(f"  ({key}) {name + ',':<23} {how:<10} {median:8.1f} ms  {rows:>8,} rows"
                      f"  {await plan_of(conn, sql[key], args)}")  # fmt: skip
        await conn.execute("RESET enable_seqscan")
    return figures


async def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    plain = make_url(url).set(drivername="postgresql")
    admin = await asyncpg.connect(plain.render_as_string(hide_password=False))
    try:
        await admin.execute(f'CREATE DATABASE "{args.database_name}"')  # refused if it exists
    except BaseException:
        await admin.close()
        raise
    try:
        scratch = plain.set(database=args.database_name).render_as_string(hide_password=False)
        conn = await asyncpg.connect(scratch)
        try:
            version = await conn.fetchval("SHOW server_version")
            areas = ["DE_LU", "FR", "NL", "BE", "AT"][: args.areas]
            span = (START, START.replace(year=START.year + args.years))
            print(f"PostgreSQL {version}; {len(areas)} areas x {args.years} years, 20 types"
                  " PT15M + load; reads: 2024 of the first area")  # fmt: skip
            writes: dict[str, dict[str, float]] = {}
            for key, columns in KEYS.items():
                table = f"points_{key}"
                await conn.execute(TABLE.format(t=table, key=", ".join(columns)))
                began = time.perf_counter()
                rows = await upsert_year(conn, table, areas, span, 0)
                fill = time.perf_counter() - began
                await conn.execute(f"VACUUM ANALYZE {table}")
                began = time.perf_counter()
                again = await upsert_year(conn, table, areas[:1], YEAR, 1)
                redo = time.perf_counter() - began
                await conn.execute(f"VACUUM ANALYZE {table}")
                size = await conn.fetchval(
                    f"SELECT pg_size_pretty(pg_relation_size('{table}_pkey'))"
                )
                print(f"({key}) key ({', '.join(columns)}): index {size}\n"
                      f"    fill {rows:,} rows {rows / fill:,.0f} points/s; re-upsert of one"
                      f" area-year, every value changed, {again:,} rows {again / redo:,.0f}"
                      " points/s")  # fmt: skip
                writes[key] = {"fill_points_per_s": round(rows / fill),
                               "reupsert_points_per_s": round(again / redo)}  # fmt: skip
            reads = await measure(conn, areas[0], args.runs)
            return {key: reads[key] | writes[key] for key in KEYS}
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{args.database_name}" WITH (FORCE)')
        await admin.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=3, help="years stored, from 2023 (>= 2)")
    parser.add_argument("--areas", type=int, default=2, choices=range(1, 6))
    parser.add_argument("--runs", type=int, default=9, help="timed runs per read")
    parser.add_argument("--database-url", help="any PostgreSQL URL; default: TEST_DATABASE_URL")
    parser.add_argument("--database-name", default="bench_key_order", help="scratch database")
    args = parser.parse_args()
    if args.years < 2:
        parser.error("--years must be at least 2: the reads are of 2024")

    given = args.database_url or os.environ.get("TEST_DATABASE_URL")
    with database_url(Settings().database, to_async_url(given) if given else None) as url:
        figures = asyncio.run(run(args, url))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
