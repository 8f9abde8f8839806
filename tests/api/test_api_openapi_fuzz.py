"""Property-based run of the read endpoints' OpenAPI schema (schemathesis) against a live server.

The app runs in uvicorn on a loopback port (its own thread and event loop) over the stored data
set. Every generated request must get an answer that is not a 5xx, has a documented status and
content type, and matches its documented schema. Bounded: a few dozen examples per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import checks as st_checks
from schemathesis.specs.openapi import checks as openapi_checks

from app.main import create_app
from tests.api.support import Dataset, serving, settings_for

pytestmark = pytest.mark.db

READ_PATHS = r"^/api/v1/(energy-data|load-data|areas|coverage|forecast-accuracy)"
# The schema needs no database: the app is only asked for /openapi.json.
schema = schemathesis.openapi.from_dict(
    create_app(settings_for("postgresql://nobody@127.0.0.1:1/none")).openapi()
).include(path_regex=READ_PATHS)

# Random strings rarely name an area or a valid range, so most requests would stop at the 422
# checks. Three quarters of the generated queries get a real area and range (the other
# parameters stay fuzzed), so rendering, aggregation and CSV paths run on stored data too.
GROUNDED = {
    "area": st.sampled_from(["BE", "be", "10YBE----------2", "NL", "FR", "DE_LU"]),
    "area_code": st.sampled_from(["BE", "NL", "10YNL----------L"]),
    "areas": st.sampled_from(["BE", "BE,FR", "NL,DE_LU"]),
    "start": st.sampled_from(
        ["2024-03-30T00:00:00+01:00", "2024-10-26T22:00:00Z", "2023-12-31T23:59:59.5+00:00"]
    ),
    "end": st.sampled_from(
        ["2024-04-01T00:00:00+02:00", "2024-10-28T00:00:00+01:00", "2025-01-01T00:00:00Z"]
    ),
    "data_type": st.sampled_from(["actual", "day_ahead", "week_ahead", "week_ahead,actual"]),
    "tz": st.sampled_from(["Europe/Brussels", "UTC", "Asia/Kolkata", "Pacific/Chatham"]),
    "business_type": st.sampled_from(["A04", "A60", "A61"]),
    "max_gaps": st.integers(0, 3),
}
GROUNDED["start_time"], GROUNDED["end_time"] = GROUNDED["start"], GROUNDED["end"]


@schema.hook
def flatmap_query(context: object, query: dict[str, Any] | None) -> st.SearchStrategy[Any]:
    if not query:
        return st.just(query)
    strategies = {k: GROUNDED[k] for k in query if k in GROUNDED}
    grounded = st.fixed_dictionaries(strategies).map(lambda values: {**query, **values})
    return st.one_of(st.just(query), grounded, grounded, grounded)


CHECKS = [
    st_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def live_url(database_url: str, dataset: Dataset) -> Iterator[str]:
    with serving(create_app(settings_for(database_url))) as url:
        yield url


@schema.parametrize()
@hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_read_endpoints_conform_to_their_schema(case: schemathesis.Case, live_url: str) -> None:
    response = case.call(base_url=live_url, timeout=30)
    case.validate_response(response, checks=CHECKS)


ZONES = ["Europe/Brussels", "UTC", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham"]
DATA_TYPES = ["actual", "day_ahead", "week_ahead", "actual,day_ahead", "week_ahead,actual"]
T0 = datetime(2024, 3, 29, tzinfo=UTC)


@st.composite
def valid_requests(draw: st.DrawFn) -> dict[str, Any]:
    """Any valid /energy-data request over the stored data (and around it)."""
    start = T0 + timedelta(
        minutes=15 * draw(st.integers(0, 4 * 24 * 5)) + draw(st.sampled_from([0, 7]))
    )
    end = start + timedelta(minutes=draw(st.integers(1, 60 * 24 * 4)))
    offset = ZoneInfo(draw(st.sampled_from(ZONES)))
    params: dict[str, Any] = {
        "area": draw(st.sampled_from(["BE", "10YBE----------2", "NL", "FR"])),
        "data_type": draw(st.sampled_from(DATA_TYPES)),
        "start": start.astimezone(offset).isoformat(),
        "end": end.astimezone(offset).isoformat(),
    }
    if draw(st.booleans()):
        params["tz"] = draw(st.sampled_from(ZONES))
    resolution = draw(st.sampled_from([None, "PT15M", "PT30M", "PT1H", "P1D", "P7D", "P1M"]))
    if resolution:
        params["resolution"] = resolution
        params["agg"] = draw(st.sampled_from(["mean", "min", "max", "sum"]))
    return params


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(params=valid_requests())
def test_every_format_tells_the_same_story(live_url: str, params: dict[str, Any]) -> None:
    url = f"{live_url}/api/v1/energy-data"
    with httpx.Client(timeout=30) as http:
        records = http.get(url, params={**params, "format": "json"})
        columns = http.get(url, params={**params, "format": "columnar"})
        csv = http.get(url, params={**params, "format": "csv"})
    assert records.status_code == columns.status_code == csv.status_code == 200, records.text
    body, data = records.json(), columns.json()["data"]
    rows = [
        (r["timestamp"], r["data_type"], r["business_type"], r["quantity"]) for r in body["data"]
    ]
    assert rows == list(
        zip(
            data["timestamp"],
            data["data_type"],
            data["business_type"],
            data["quantity"],
            strict=True,
        )
    )
    assert body["present_points"] == sum(s["present_points"] for s in body["series"])
    lines = csv.text.splitlines()
    header = "timestamp,area_code,data_type,business_type,psr_type,quantity,resolution"
    aggregated = "resolution" in params
    assert lines[0] == header + (",points,expected_points,partial" if aggregated else "")
    csv_rows = [line.split(",") for line in lines[1:]]
    assert [(c[0], c[2], c[3], float(c[5])) for c in csv_rows] == rows
    assert {c[1] for c in csv_rows} <= {body["area"]["code"]}
    assert csv.headers["x-present-points"] == str(body["present_points"])
    assert csv.headers["x-expected-points"] == str(body["expected_points"])
    if aggregated:
        # the counts are native points, bucket by bucket and in total, in every format
        counts = [(r["points"], r["expected_points"], r["partial"]) for r in body["data"]]
        assert counts == list(
            zip(data["points"], data["expected_points"], data["partial"], strict=True)
        )
        assert [(int(c[7]), int(c[8]), c[9] == "true") for c in csv_rows] == counts
        assert body["present_points"] == sum(n for n, _, _ in counts)
        assert all(e >= 0 for _, e, _ in counts)
        assert sum(e for _, e, _ in counts) <= body["expected_points"]
    else:
        assert body["present_points"] == len(rows)
    assert rows == sorted(
        rows, key=lambda r: (body["data_types"].index(r[1]), r[2], datetime.fromisoformat(r[0]))
    )
