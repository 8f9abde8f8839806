"""layout=wide (real database): one row per instant of the common grid, one column per series,
equal in json, columnar and csv to a pandas pivot of the long rows; DST days hold 92 and 100
rows; aggregated answers have one row per bucket."""

from __future__ import annotations

import io
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from tests.api.support import BRUSSELS, local
from tests.api.support_generation import RANGE, Series, quarter_grid

pytestmark = pytest.mark.db

GENERATION_TYPES = "actual,generation,wind_solar_day_ahead"


def _name(record: dict[str, Any], several: set[tuple[str, str]]) -> str:
    name = record["data_type"] + (f".{record['psr_type']}" if record["psr_type"] else "")
    if (record["data_type"], record["psr_type"]) in several:
        name += f".{record['business_type']}"
    return name


async def _pivot(client: httpx.AsyncClient, params: dict[str, Any]) -> pd.DataFrame:
    """The long json rows of the same request, pivoted by pandas (UTC index)."""
    response = await client.get("/api/v1/energy-data", params={**params, "tz": "UTC"})
    assert response.status_code == 200, response.text
    long = pd.DataFrame(response.json()["data"])
    counts = long.groupby(["data_type", "psr_type"])["business_type"].nunique()
    several = {key for key, n in counts.items() if n > 1}
    long["column"] = [_name(r, several) for r in long.to_dict("records")]
    long["timestamp"] = pd.to_datetime(long["timestamp"], utc=True)
    return long.pivot(index="timestamp", columns="column", values="quantity")


async def _wide(client: httpx.AsyncClient, params: dict[str, Any], fmt: str) -> pd.DataFrame:
    response = await client.get(
        "/api/v1/energy-data", params={**params, "layout": "wide", "format": fmt}
    )
    assert response.status_code == 200, response.text
    if fmt == "csv":
        frame = pd.read_csv(io.StringIO(response.text))
    elif fmt == "columnar":
        frame = pd.DataFrame(response.json()["data"])
    else:
        records = response.json()["data"]
        frame = pd.DataFrame.from_records(records, columns=list(records[0]))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame.set_index("timestamp").astype(float)


@pytest.mark.parametrize("fmt", ["json", "columnar", "csv"])
@pytest.mark.parametrize("tz", [None, "Europe/Berlin"])
async def test_wide_is_the_pivot_of_the_long_rows_on_the_quarter_hour_grid(
    client: httpx.AsyncClient, generation: Series, fmt: str, tz: str | None
) -> None:
    params = {**RANGE, "data_type": GENERATION_TYPES, **({"tz": tz} if tz else {})}
    wide = await _wide(client, params, fmt)
    pivot = (await _pivot(client, params)).reindex(quarter_grid())
    # the DST day: 92 quarter-hours, hourly series only at the full hour, gaps stay empty
    assert len(wide) == 92 and list(wide.index) == list(quarter_grid())
    assert list(wide.columns) == [
        "actual",
        "generation.B01",
        "generation.B16",
        "generation.B18",
        "generation.B19",
        "wind_solar_day_ahead.B16",
        "wind_solar_day_ahead.B19",
    ]
    pd.testing.assert_frame_equal(wide, pivot[wide.columns], check_names=False, check_freq=False)
    assert wide["generation.B19"].notna().sum() == 23
    assert wide["generation.B16"].isna().sum() == 2


async def test_wide_csv_keeps_the_stored_decimals_and_leaves_gaps_empty(
    client: httpx.AsyncClient, generation: Series
) -> None:
    params = {**RANGE, "data_type": "generation", "psr_type": "B16,B19", "format": "csv"}
    response = await client.get("/api/v1/energy-data", params={**params, "layout": "wide"})
    lines = response.text.splitlines()
    assert lines[0] == "timestamp,generation.B16,generation.B19"
    solar, wind = generation[("generation", "B16", "A01")], generation[("generation", "B19", "A01")]
    for line, t in zip(lines[1:], quarter_grid(), strict=True):
        stamp, b16, b19 = line.split(",")
        assert stamp == t.isoformat().replace("+00:00", "Z")
        assert b16 == (str(solar[t].normalize()) if t in solar else "")
        assert b19 == (str(wind[t].normalize()) if t in wind else "")
    assert response.headers["x-expected-points"] == str(92 + 23)
    assert response.headers["x-present-points"] == str(90 + 23)


@pytest.mark.parametrize(
    ("start", "end", "rows"),
    [
        pytest.param(local(2024, 3, 31), local(2024, 4, 1), 92, id="spring"),
        pytest.param(local(2024, 10, 27), local(2024, 10, 28), 100, id="autumn"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "columnar", "csv"])
async def test_dst_days_in_wide_layout(
    client: httpx.AsyncClient, start: Any, end: Any, rows: int, fmt: str
) -> None:
    """BE of the package's data set: actual and day-ahead (hourly on the spring day), and the
    week-ahead min and max: one column per business type."""
    params = {
        "area": "BE",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "data_type": "actual,day_ahead,week_ahead",
        "tz": "Europe/Brussels",
    }
    wide = await _wide(client, params, fmt)
    pivot = (await _pivot(client, params)).reindex(index=wide.index, columns=wide.columns)
    assert len(wide) == rows
    assert list(wide.columns) == ["actual", "day_ahead", "week_ahead.A60", "week_ahead.A61"]
    pd.testing.assert_frame_equal(wide, pivot[wide.columns], check_names=False)
    local_times = wide.index.tz_convert(BRUSSELS)
    assert local_times[0].hour == 0 and (local_times[1] - local_times[0]).seconds == 900
    # every stored point is in the frame exactly once; week-ahead is asked for but stored only
    # around the spring day: its columns are there, empty, on the autumn day
    assert int(wide.notna().sum().sum()) == int(pivot.notna().sum().sum())
    assert wide["week_ahead.A60"].notna().sum() == (1 if rows == 92 else 0)


async def test_aggregated_wide_has_a_row_per_bucket(
    client: httpx.AsyncClient, generation: Series
) -> None:
    params = {**RANGE, "data_type": "actual,generation", "psr_type": "solar", "resolution": "PT1H"}
    wide = await _wide(client, params, "columnar")
    long = await _pivot(client, params)
    assert len(wide) == 23 and list(wide.columns) == ["actual", "generation.B16"]
    pd.testing.assert_frame_equal(wide, long[wide.columns], check_names=False, check_freq=False)
    solar = pd.Series(
        {pd.Timestamp(t): float(q) for t, q in generation[("generation", "B16", "A01")].items()}
    )
    hourly = solar.groupby(solar.index.floor("h")).mean()
    assert np.allclose(
        wide["generation.B16"].to_numpy(), hourly.reindex(wide.index).to_numpy(), rtol=1e-12
    )
