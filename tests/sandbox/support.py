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
    item = ITEMS[data_type]
    out = {
        "documentType": item.document_type,
        "processType": item.process_type,
        "outBiddingZone_Domain": get_area(area).eic,
        "periodStart": stamp(start),
        "periodEnd": stamp(end),
    }
    if token is not None:
        out["securityToken"] = token
    return out


def ask(
    config: SandboxConfig, area: str, data_type: DataType, start: datetime, end: datetime
) -> Answer:
    """The sandbox's answer computed in-process (no HTTP), at the config's clock."""
    return answer(config, params(area, data_type, start, end), config.current_time())


def rows(body: bytes) -> list[EnergyPoint]:
    return process(body, data_source=DATA_SOURCE)


def point_tuples(points: list[EnergyPoint]) -> list[tuple[datetime, str, object, str]]:
    return sorted(
        (p.timestamp, p.meta.business_type, p.quantity, p.meta.resolution) for p in points
    )
