"""residual_load (real database): actual load minus wind onshore, wind offshore and solar
generation, computed in SQL on the quarter-hour grid where an input is hourly, a gap where an
input the area has is missing, 0 for an input before its first stored point; long, wide and
aggregated answers agree with an independent pandas computation."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import httpx
import numpy as np
import pandas as pd
import pytest

from tests.api.support_generation import (
    RANGE,
    SOLAR_GAP,
    Series,
    exact_residual,
    quarter_grid,
    residual_frame,
)

pytestmark = pytest.mark.db


async def test_residual_load_is_load_minus_wind_and_solar_where_all_are_present(
    client: httpx.AsyncClient, generation: Series
) -> None:
    body = (
        await client.get("/api/v1/energy-data", params={**RANGE, "data_type": "residual_load"})
    ).json()
    want = residual_frame(generation)
    got = pd.Series(
        [r["quantity"] for r in body["data"]],
        index=pd.to_datetime([r["timestamp"] for r in body["data"]], utc=True),
    )
    assert len(want) == 90  # 92 quarter-hours less the solar gap
    assert not any(SOLAR_GAP[0] <= t < SOLAR_GAP[1] for t in got.index)
    pd.testing.assert_series_equal(got, want, check_names=False, check_freq=False, rtol=0, atol=0)
    assert {(r["data_type"], r["psr_type"], r["resolution"]) for r in body["data"]} == {
        ("residual_load", "", "PT15M")
    }
    (series,) = body["series"]
    assert (series["expected_points"], series["present_points"]) == (92, 90)
    assert series["sources"] == ["derived"]


async def test_residual_load_csv_is_exact(client: httpx.AsyncClient, generation: Series) -> None:
    response = await client.get(
        "/api/v1/energy-data", params={**RANGE, "data_type": "residual_load", "format": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    want = exact_residual(generation)
    assert [(r["timestamp"], Decimal(r["quantity"])) for r in rows] == [
        (t.isoformat().replace("+00:00", "Z"), q) for t, q in sorted(want.items())
    ]


async def test_residual_load_in_wide_layout_and_aggregated(
    client: httpx.AsyncClient, generation: Series
) -> None:
    params = {**RANGE, "data_type": "actual,residual_load", "layout": "wide", "format": "columnar"}
    data = (await client.get("/api/v1/energy-data", params=params)).json()["data"]
    assert list(data) == ["timestamp", "actual", "residual_load"]
    index = pd.to_datetime(data["timestamp"], utc=True)
    assert list(index) == list(quarter_grid())
    want = residual_frame(generation).reindex(quarter_grid())
    got = np.array([np.nan if v is None else v for v in data["residual_load"]])
    assert np.array_equal(got, want.to_numpy(), equal_nan=True)
    hourly = (
        await client.get(
            "/api/v1/energy-data",
            params={**RANGE, "data_type": "residual_load", "resolution": "PT1H"},
        )
    ).json()["data"]
    residual = residual_frame(generation)
    means = residual.groupby(residual.index.floor("h")).agg(["mean", "count"])
    assert [(r["points"]) for r in hourly] == means["count"].tolist()
    assert np.allclose([r["quantity"] for r in hourly], means["mean"].to_numpy(), rtol=1e-12)


async def test_an_area_without_generation_has_no_residual_load(client: httpx.AsyncClient) -> None:
    """BE stores load only: no solar or wind series is part of its mix, so residual load is
    its load (documented rule: an input never stored counts 0)."""
    params = {"area": "BE", "start": "2024-03-30T00:00:00Z", "end": "2024-03-30T06:00:00Z"}
    load = (await client.get("/api/v1/energy-data", params=params)).json()["data"]
    residual = (
        await client.get("/api/v1/energy-data", params={**params, "data_type": "residual_load"})
    ).json()["data"]
    assert [(r["timestamp"], r["quantity"]) for r in residual] == [
        (r["timestamp"], r["quantity"]) for r in load
    ]
    assert len(load) == 24


async def test_reads_of_stored_series_refuse_residual_load_and_say_where_it_is(
    client: httpx.AsyncClient,
) -> None:
    """residual_load is never stored: /latest and /coverage answer a 422 naming data_type that
    points to /energy-data and to the inputs, not an "unknown data type"."""
    for path, params in (
        ("/api/v1/energy-data/latest", {"areas": "DE_LU", "data_type": "residual_load"}),
        ("/api/v1/coverage", {"area": "DE_LU", "data_type": "residual_load"}),
    ):
        response = await client.get(path, params=params)
        assert response.status_code == 422, path
        body = response.text
        assert "data_type" in body and "/api/v1/energy-data serves it" in body, body
        assert "unknown data type" not in body
