"""Generation data of DE_LU on the spring DST day (2024-03-31 in Berlin: 23 hours, 92
quarter-hours), stored through the repository for the tests of production types, the wide
layout and residual load:

- actual load (A04, PT15M), every quarter-hour;
- generation solar B16 (PT15M) with a gap of two quarter-hours, wind onshore B19 hourly
  (PT60M), wind offshore B18 (PT15M) only from 12:00 local on (its first stored point ever),
  biomass B01 (PT15M);
- wind/solar day-ahead: wind onshore B19 (A93, PT60M), solar B16 (A94, PT15M).

Values have three decimals (e.g. 5037.013) so that exactness is tested, not float luck.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import text

from app.db.database import Database
from app.domain.points import EnergyPoint, SeriesMeta
from app.repositories.points import PointsRepository
from tests.api.support import Dataset

BERLIN = ZoneInfo("Europe/Berlin")
AREA = "DE_LU"
Q, H = timedelta(minutes=15), timedelta(hours=1)
START = datetime(2024, 3, 31, tzinfo=BERLIN).astimezone(UTC)
END = datetime(2024, 4, 1, tzinfo=BERLIN).astimezone(UTC)
SOLAR_GAP = (START + 40 * Q, START + 42 * Q)
OFFSHORE_FROM = datetime(2024, 3, 31, 12, tzinfo=BERLIN).astimezone(UTC)
RANGE = {"area": AREA, "start": START.isoformat(), "end": END.isoformat()}
# (data type, psr type, business type) -> {UTC timestamp: quantity}
Series = dict[tuple[str, str, str], dict[datetime, Decimal]]


def _meta(data_type: str, psr: str, business_type: str, resolution: str) -> SeriesMeta:
    return SeriesMeta(
        area_code=AREA,
        data_type=data_type,
        business_type=business_type,
        unit="MAW",
        resolution=resolution,
        curve_type="A01",
        document_mrid=f"gen-{data_type}-{psr or 'load'}",
        revision_number=1,
        document_created_at=datetime(2024, 3, 30, 12, tzinfo=UTC),
        time_series_mrid=f"{psr or 'load'}-1",
        data_source="entsoe",
        psr_type=psr,
    )


def _values(start: datetime, end: datetime, step: timedelta, seed: int) -> dict[datetime, Decimal]:
    out, t, i = {}, start, 0
    while t < end:
        out[t] = (
            Decimal(500 + (i * (37 + 6 * seed) + seed * 101) % 2000)
            + Decimal((i * 7919 + seed) % 1000) / 1000
        )
        t, i = t + step, i + 1
    return out


def build() -> tuple[Series, dict[tuple[str, str, str], SeriesMeta]]:
    series: Series = {}
    metas = {}
    plan = [
        ("actual", "", "A04", "PT15M", START, Q, 1),
        ("generation", "B16", "A01", "PT15M", START, Q, 2),
        ("generation", "B19", "A01", "PT60M", START, H, 3),
        ("generation", "B18", "A01", "PT15M", OFFSHORE_FROM, Q, 4),
        ("generation", "B01", "A01", "PT15M", START, Q, 5),
        ("wind_solar_day_ahead", "B19", "A93", "PT60M", START, H, 6),
        ("wind_solar_day_ahead", "B16", "A94", "PT15M", START, Q, 7),
    ]
    for data_type, psr, btype, resolution, start, step, seed in plan:
        values = _values(start, END, step, seed)
        if (data_type, psr) == ("generation", "B16"):
            values = {t: q for t, q in values.items() if not SOLAR_GAP[0] <= t < SOLAR_GAP[1]}
        series[(data_type, psr, btype)] = values
        metas[(data_type, psr, btype)] = _meta(data_type, psr, btype, resolution)
    # load is well above generation, so residual load is positive (not required, but readable)
    series[("actual", "", "A04")] = {t: q + 9000 for t, q in series[("actual", "", "A04")].items()}
    return series, metas


@pytest.fixture(scope="module")
async def generation(database: Database, dataset: Dataset) -> AsyncIterator[Series]:
    """The DE_LU generation day, committed (the app reads on its own connections), removed
    after the module (the package's data set stays)."""
    series, metas = build()
    points = [
        EnergyPoint(t, q, metas[key]) for key, values in series.items() for t, q in values.items()
    ]
    async with database.session() as session:
        await PointsRepository(session).upsert(points)
    try:
        yield series
    finally:
        async with database.session() as session:
            await session.execute(
                text("DELETE FROM energy_data_points WHERE area_code = :a"), {"a": AREA}
            )
            await session.execute(
                text("DELETE FROM energy_series WHERE document_mrid LIKE 'gen-%'")
            )


def quarter_grid() -> pd.DatetimeIndex:
    """Every quarter-hour of the DST day (92), UTC."""
    return pd.date_range(START, END, freq="15min", inclusive="left")


def residual_frame(series: Series) -> pd.Series:
    """Residual load as the tests define it independently of the SQL: on the quarter-hour grid,
    hourly wind onshore holds for its four quarter-hours; offshore counts 0 before its first
    stored point; any other missing input is a gap (NaN, dropped)."""
    grid = quarter_grid()

    # in thousandths (whole numbers, exact as floats), divided once at the end as the API does
    def milli(key: tuple[str, str, str]) -> pd.Series:
        values = {pd.Timestamp(t): float(q * 1000) for t, q in series[key].items()}
        return pd.Series(values, dtype=float)

    load = milli(("actual", "", "A04")).reindex(grid)
    solar = milli(("generation", "B16", "A01")).reindex(grid)
    hourly = milli(("generation", "B19", "A01"))
    onshore = pd.Series(hourly.reindex(grid.floor("h")).to_numpy(), index=grid)
    offshore = milli(("generation", "B18", "A01")).reindex(grid)
    offshore[grid < pd.Timestamp(OFFSHORE_FROM)] = 0.0
    return ((load - onshore - offshore - solar) / 1000).dropna()


def exact_residual(series: Series) -> dict[datetime, Decimal]:
    """The same as exact decimals (for CSV, which carries the stored decimal text)."""
    load, solar = series[("actual", "", "A04")], series[("generation", "B16", "A01")]
    onshore, offshore = series[("generation", "B19", "A01")], series[("generation", "B18", "A01")]
    out = {}
    for t, q in load.items():
        hour = t.replace(minute=0)
        off = offshore.get(t) if t >= OFFSHORE_FROM else Decimal(0)
        if t in solar and hour in onshore and off is not None:
            out[t] = q - solar[t] - onshore[hour] - off
    return out
