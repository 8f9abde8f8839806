"""Helpers for the pipeline tests: sandbox configs, fast clients, what is stored vs expected."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from sqlalchemy import text

from app.db.database import Database
from app.entsoe.client import EntsoeClient
from app.entsoe.items import DataType
from app.sandbox import SandboxConfig, expected_points
from app.services.collection import SANDBOX_SOURCE, DataCollectionService

SANDBOX_NOW = datetime(2026, 6, 1, tzinfo=UTC)
TABLES = (
    "energy_data_points",
    "energy_series",
    "collection_runs",
    "backfill_windows",
    "collection_empty_gaps",
    "scheduler_job_runs",
)

Key = tuple[datetime, str]


def utc(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=UTC)


def sandbox_config(**overrides: object) -> SandboxConfig:
    """A sandbox with a fixed clock and no rate limit (tests that are not about the limit)."""
    values: dict[str, object] = {"seed": 5, "now": SANDBOX_NOW, "rate_limit_per_minute": 0}
    values.update(overrides)
    return SandboxConfig(**values)  # type: ignore[arg-type]


def fast_client(http: httpx.AsyncClient, base_url: str, **overrides: object) -> EntsoeClient:
    """The real client with backoff shrunk to milliseconds."""
    values: dict[str, object] = {
        "token": "sandbox",
        "base_url": base_url,
        "timeout": 10.0,
        "max_retries": 10,
        "backoff_base": 0.005,
        "backoff_max": 0.05,
        "requests_per_minute": 100_000,
    }
    values.update(overrides)
    return EntsoeClient(http, **values)  # type: ignore[arg-type]


def service(client: EntsoeClient, database: Database, **kw: object) -> DataCollectionService:
    return DataCollectionService(client, database, data_source=SANDBOX_SOURCE, **kw)  # type: ignore[arg-type]


async def truncate(database: Database) -> None:
    async with database.session() as session:
        await session.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY"))


async def stored(database: Database, area: str, data_type: DataType | str) -> dict[Key, Decimal]:
    """Every stored (timestamp, business_type) -> quantity of one area and item."""
    query = text(
        'SELECT "timestamp", business_type, quantity FROM energy_data_points'
        " WHERE area_code = :a AND data_type = :t"
    )
    async with database.session() as session:
        rows = await session.execute(query, {"a": area, "t": str(data_type)})
        return {(r[0], r[1]): r[2] for r in rows}


async def scalar(database: Database, sql: str, **params: object) -> object:
    async with database.session() as session:
        return (await session.execute(text(sql), params)).scalar()


def expected(
    config: SandboxConfig,
    area: str,
    data_type: DataType,
    windows: Iterable[tuple[datetime, datetime]],
    now: datetime | None = None,
) -> dict[Key, Decimal]:
    """What the sandbox says it serves for these requests (the union of its replies)."""
    out: dict[Key, Decimal] = {}
    for start, end in windows:
        for p in expected_points(area, data_type, start, end, config=config, now=now):
            out[(p.timestamp, p.business_type)] = p.quantity
    return out


SeriesKey = tuple[datetime, str, str]  # timestamp, business type, production type


async def stored_series(
    database: Database, area: str, data_type: DataType | str
) -> dict[SeriesKey, Decimal]:
    """Every stored (timestamp, business_type, psr_type) -> quantity of one area and item."""
    query = text(
        'SELECT "timestamp", business_type, psr_type, quantity FROM energy_data_points'
        " WHERE area_code = :a AND data_type = :t"
    )
    async with database.session() as session:
        rows = await session.execute(query, {"a": area, "t": str(data_type)})
        return {(r[0], r[1], r[2]): r[3] for r in rows}


def expected_series(
    config: SandboxConfig,
    area: str,
    data_type: DataType,
    windows: Iterable[tuple[datetime, datetime]],
) -> dict[SeriesKey, Decimal]:
    """What the sandbox serves of ``data_type`` (its own direction of a shared document) for
    these requests, per production type."""
    out: dict[SeriesKey, Decimal] = {}
    for start, end in windows:
        for p in expected_points(area, data_type, start, end, config=config):
            out[(p.timestamp, p.business_type, p.psr_type)] = p.quantity
    return out
