"""Helpers for the sandbox tests: requests, in-process answers, decoding."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from app.domain.points import EnergyPoint
from app.entsoe.areas import get_area
from app.entsoe.items import ITEMS, DataType
from app.entsoe.processor import process
from app.sandbox import DATA_SOURCE, SandboxConfig
from app.sandbox.answer import Answer, answer

NOW = datetime(2025, 11, 15, 12, 0, tzinfo=UTC)
REAL_SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "entsoe-samples" / "real"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M")


def utc(text: str) -> datetime:
    """``"2024-03-30T23:00"`` -> aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def params(
    area: str, data_type: DataType, start: datetime, end: datetime, token: str | None = "sandbox"
) -> dict[str, str]:
    """The query a client sends: a generation item by its request's (documentType,
    processType) and in_Domain, load by outBiddingZone_Domain."""
    item = ITEMS[ITEMS[data_type].request]
    out = {
        "documentType": item.document_type,
        "processType": item.process_type,
        item.domain_param: get_area(area).eic,
        "periodStart": stamp(start),
        "periodEnd": stamp(end),
    }
    if token is not None:
        out["securityToken"] = token
    return out


def ask(
    config: SandboxConfig,
    area: str,
    data_type: DataType,
    start: datetime,
    end: datetime,
    psr_type: str | None = None,
) -> Answer:
    """The sandbox's answer computed in-process (no HTTP), at the config's clock."""
    query = params(area, data_type, start, end)
    if psr_type is not None:
        query["psrType"] = psr_type
    return answer(config, query, config.current_time())


def rows(body: bytes) -> list[EnergyPoint]:
    return process(body, data_source=DATA_SOURCE)


def point_tuples(points: list[EnergyPoint]) -> list[tuple[datetime, str, object, str, str]]:
    """Rows as :class:`app.sandbox.ExpectedPoint` tuples, sorted."""
    return sorted(
        (p.timestamp, p.meta.business_type, p.quantity, p.meta.resolution, p.meta.psr_type)
        for p in points
    )


def of_type(points: list[EnergyPoint], data_type: DataType) -> list[EnergyPoint]:
    """The rows of one data type (an A75 reply holds generation and generation_consumption)."""
    return [p for p in points if p.meta.data_type == data_type.value]
