"""The known data set of tests/api, the app settings for it, and a running app client.

The data set is loaded once for tests/api through PointsRepository.upsert and committed,
because the app reads through its own connections; it is removed again afterwards. It covers
both 2024 DST days in Europe/Brussels (92 and 100 quarter-hours), a hole, a resolution switch,
forecasts with min/max business types and a zero actual.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from fastapi import FastAPI

from app.config import Settings
from app.domain.points import SeriesMeta

BRUSSELS = ZoneInfo("Europe/Brussels")
TABLES = "energy_data_points, energy_series"
Key = tuple[str, str, str, datetime]  # area, data type, business type, UTC timestamp


def local(*args: int) -> datetime:
    """A Brussels wall-clock time as an aware UTC datetime."""
    return datetime(*args, tzinfo=BRUSSELS).astimezone(UTC)  # type: ignore[misc]


# The actual load hole: four quarter-hours missing on 2024-03-30.
HOLE = (datetime(2024, 3, 30, 10, 0, tzinfo=UTC), datetime(2024, 3, 30, 11, 0, tzinfo=UTC))
ZERO_ACTUAL_AT = local(2024, 10, 27, 12, 0)


@dataclass
class Dataset:
    points: dict[Key, Decimal] = field(default_factory=dict)
    metas: dict[Key, SeriesMeta] = field(default_factory=dict)

    def rows(
        self, area: str, data_type: str, start: datetime, end: datetime, business_type: str = ""
    ) -> list[tuple[datetime, str, Decimal]]:
        """Stored (timestamp, business type, quantity) in [start, end), in the API's order."""
        out = [
            (ts, bt, q)
            for (a, d, bt, ts), q in self.points.items()
            if a == area and d == data_type and start <= ts < end and bt.startswith(business_type)
        ]
        return sorted(out, key=lambda r: (r[1], r[0]))


def _meta(
    area: str, data_type: str, business_type: str, resolution: str, day: str, rev: int
) -> SeriesMeta:
    return SeriesMeta(
        area_code=area,
        data_type=data_type,
        business_type=business_type,
        unit="MAW",
        resolution=resolution,
        curve_type="A01",
        document_mrid=f"{area}-{data_type}-{day}",
        revision_number=rev,
        document_created_at=datetime.fromisoformat(f"{day}T10:00:00+00:00") + timedelta(hours=rev),
        time_series_mrid=f"{business_type}-1",
        data_source="entsoe",
    )


def _series(
    data: Dataset,
    meta: SeriesMeta,
    start: datetime,
    end: datetime,
    step: timedelta,
    seed: int,
    skip: tuple[datetime, datetime] | None = None,
) -> None:
    t, i = start, 0
    while t < end:
        if skip is None or not skip[0] <= t < skip[1]:
            # three decimals, not float-friendly (e.g. 5037.013), deterministic
            value = (
                Decimal(4000 + (i * 37 + seed) % 3000) + Decimal((i * 7919 + seed) % 1000) / 1000
            )
            key = (meta.area_code, meta.data_type, meta.business_type, t)
            data.points[key] = value
            data.metas[key] = meta
        t, i = t + step, i + 1


def _daily(
    data: Dataset, area: str, data_type: str, business_type: str, days: list[datetime], seed: int
) -> None:
    meta = _meta(area, data_type, business_type, "P1D", "2024-03-28", 1)
    for i, day in enumerate(days):
        key = (area, data_type, business_type, day)
        data.points[key] = Decimal(100000 + seed + i * 1111) + Decimal("0.5")
        data.metas[key] = meta


def extra_meta(area: str, document_mrid: str, **overrides: object) -> SeriesMeta:
    """Actual load (A04, PT15M) of ``area`` for rows a test adds and removes itself."""
    fields: dict[str, object] = {
        "area_code": area,
        "data_type": "actual",
        "business_type": "A04",
        "unit": "MAW",
        "resolution": "PT15M",
        "curve_type": "A01",
        "document_mrid": document_mrid,
        "revision_number": 1,
        "document_created_at": datetime(2024, 1, 1, tzinfo=UTC),
        "time_series_mrid": "ts-1",
        "data_source": "entsoe",
        **overrides,
    }
    return SeriesMeta(**fields)  # type: ignore[arg-type]


def build_dataset() -> Dataset:
    data = Dataset()
    q, h = timedelta(minutes=15), timedelta(hours=1)
    # BE actual, one document per local day, two revisions
    for day, rev in ((30, 1), (31, 2)):
        meta = _meta("BE", "actual", "A04", "PT15M", f"2024-03-{day}", rev)
        _series(
            data,
            meta,
            local(2024, 3, day),
            local(2024, 3, day + 1) if day < 31 else local(2024, 4, 1),
            q,
            day,
            HOLE,
        )
    for day in (26, 27):
        meta = _meta("BE", "actual", "A04", "PT15M", f"2024-10-{day}", 1)
        _series(data, meta, local(2024, 10, day), local(2024, 10, day + 1), q, day)
    data.points[("BE", "actual", "A04", ZERO_ACTUAL_AT)] = Decimal("0.000")
    # BE day-ahead: hourly across the spring DST day, quarter-hourly across the autumn one
    meta = _meta("BE", "day_ahead", "A04", "PT60M", "2024-03-30", 1)
    _series(data, meta, local(2024, 3, 31), local(2024, 4, 1), h, 5)
    meta = _meta("BE", "day_ahead", "A04", "PT15M", "2024-10-26", 1)
    _series(data, meta, local(2024, 10, 27), local(2024, 10, 28), q, 6)
    # BE week-ahead min/max per local day around the spring change
    days = [local(2024, 3, d) for d in range(29, 32)] + [local(2024, 4, d) for d in (1, 2)]
    _daily(data, "BE", "week_ahead", "A60", days, 0)
    _daily(data, "BE", "week_ahead", "A61", days, 50000)
    # NL actual switching from hourly to quarter-hourly
    _series(
        data,
        _meta("NL", "actual", "A04", "PT60M", "2024-01-01", 1),
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 2, tzinfo=UTC),
        h,
        7,
    )
    _series(
        data,
        _meta("NL", "actual", "A04", "PT15M", "2024-01-02", 1),
        datetime(2024, 1, 2, tzinfo=UTC),
        datetime(2024, 1, 3, tzinfo=UTC),
        q,
        8,
    )
    # FR: a little actual load for the registry and latest endpoints
    _series(
        data,
        _meta("FR", "actual", "A04", "PT15M", "2024-01-01", 1),
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 1, 1, tzinfo=UTC),
        q,
        9,
    )
    return data


def settings_for(
    database_url: str, *, database: dict[str, object] | None = None, **api: object
) -> Settings:
    """Settings for the test database (``database``: extra DATABASE__* fields, e.g. the pool)."""
    return Settings(
        database={"url": database_url, "migrate_on_startup": False, **(database or {})},  # type: ignore[arg-type]
        collection={"scheduler_enabled": False},  # type: ignore[arg-type]
        api=api,  # type: ignore[arg-type]
    )


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` in uvicorn on a loopback port (its own thread and event loop): the base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
