"""GET /status: the page in a real headless Chromium (Playwright), over its own database.

The app runs in uvicorn on a loopback port (its own thread and event loop). The data, relative
to now: DE_LU actual for the last three local months with a one-hour hole in the middle one,
DE_LU day-ahead complete up to tomorrow, FR actual for the last eight days; two scheduler runs.
The browser test skips (with the reason) where /usr/bin/chromium is not installed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from app.db.database import Database
from app.db.migrations import upgrade_to_head
from app.domain.points import EnergyPoint
from app.domain.timegrid import add_months
from app.main import create_app
from app.repositories.points import PointsRepository
from tests.api.support import serving, settings_for
from tests.conftest import TestServer, series_meta

pytestmark = pytest.mark.db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
BERLIN = ZoneInfo("Europe/Berlin")
Q = timedelta(minutes=15)
NOW = datetime.now(UTC)


def _month_start(months_back: int) -> datetime:
    local = NOW.astimezone(BERLIN).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return add_months(local, -months_back).astimezone(UTC)


HOLE = (_month_start(1) + timedelta(days=3), _month_start(1) + timedelta(days=3, hours=1))


def _series(area: str, data_type: str, start: datetime, end: datetime) -> list[EnergyPoint]:
    meta = series_meta(area_code=area, data_type=data_type, document_mrid=f"{area}-{data_type}")
    out, t, k = [], start, 0
    while t < end:
        if not (data_type == "actual" and area == "DE_LU" and HOLE[0] <= t < HOLE[1]):
            wave = 8000 * (1 + (k % 96 - 48) ** 2 / 2304)  # a daily shape, for the eye
            out.append(
                EnergyPoint(t, Decimal(40000 + round(wave) + 300 * (data_type != "actual")), meta)
            )
        t, k = t + Q, k + 1
    return out


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def status_database(test_server: TestServer) -> AsyncIterator[str]:
    """A database of its own (the package's data set stays as the other tests expect it)."""
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    tomorrow_end = (NOW.astimezone(BERLIN) + timedelta(days=2)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    async with test_server.scratch_database("eds_status_page") as url:
        await upgrade_to_head(url)
        database = Database(url)
        try:
            async with database.session() as session:
                repo = PointsRepository(session)
                await repo.upsert(
                    _series("DE_LU", "actual", _month_start(2), hour - timedelta(hours=1))
                )
                await repo.upsert(
                    _series("DE_LU", "day_ahead", _month_start(2), tomorrow_end.astimezone(UTC))
                )
                await repo.upsert(_series("FR", "actual", hour - timedelta(days=8), hour))
                await session.execute(
                    text(
                        "INSERT INTO scheduler_job_runs (job, tick, instance, status, error,"
                        " started_at, finished_at) VALUES"
                        " ('collect.actual', :t, 'host:1', 'succeeded', NULL, :t, :t),"
                        " ('heal', :t, 'host:1', 'failed', 'ReadTimeout: <b>no answer</b>', :t, :t)"
                    ),
                    {"t": hour},
                )
        finally:
            await database.dispose()
        yield url


@pytest.fixture(scope="module")
def live(status_database: str) -> Iterator[str]:
    with serving(create_app(settings_for(status_database))) as url:
        yield url


def test_the_page_is_html_and_its_assets_are_served_by_the_service(live: str) -> None:
    page = httpx.get(f"{live}/status", params={"months": 3}, timeout=30)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.text.count('<td class="cell') == 3 * 3
    # No CDN: every script and style comes from the service itself.
    for ref in ("/status/assets/status.js", "/status/assets/status.css"):
        assert ref in page.text
        asset = httpx.get(live + ref, timeout=10)
        assert asset.status_code == 200 and len(asset.content) < 20_000
    assert "https://" not in page.text and "http://" not in page.text
    # Text from the database is escaped, never markup.
    assert "&lt;b&gt;no answer&lt;/b&gt;" in page.text and "<b>no answer</b>" not in page.text


@pytest.mark.parametrize(
    ("params", "field"),
    [({"months": 0}, "months"), ({"months": 121}, "months"), ({"area": "Atlantis"}, "area")],
)
def test_bad_parameters_are_a_422_naming_them(
    live: str, params: dict[str, object], field: str
) -> None:
    response = httpx.get(f"{live}/status", params=params, timeout=30)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_the_status_page_in_a_real_browser(live: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{live}/status?months=3&area=DE_LU")
            page.wait_for_selector("#load-chart path.actual", timeout=20_000)

            rows = page.eval_on_selector_all(
                "table.heatmap tbody tr",
                """rows => rows.map(r => [r.cells[0].textContent, r.cells[1].textContent,
                    [...r.querySelectorAll('td.cell')].map(
                        c => [c.classList[1], getComputedStyle(c).backgroundColor])])""",
            )
            heat = {(area, kind): cells for area, kind, cells in rows}
            assert set(heat) == {("DE_LU", "actual"), ("DE_LU", "day_ahead"), ("FR", "actual")}
            assert page.locator("td.cell").count() == 3 * 3
            actual = heat["DE_LU", "actual"]
            assert [state for state, _ in actual] == ["full", "partial", "full"]
            full, partial = actual[0][1], actual[1][1]
            assert full != partial and actual[2][1] == full
            assert [state for state, _ in heat["DE_LU", "day_ahead"]] == ["full"] * 3

            # The chart: one SVG path per data type, a point per stored quarter-hour.
            actual_d = page.get_attribute("#load-chart path.actual", "d") or ""
            ahead_d = page.get_attribute("#load-chart path.day_ahead", "d") or ""
            assert actual_d.count("L") > 6 * 96 and ahead_d.count("L") > 7 * 96

            # A click on the partial month lists its gap: the one-hour hole.
            page.click("table.heatmap tbody tr:first-child td.cell.partial")
            page.wait_for_selector("#gaps li", timeout=10_000)
            gaps = page.inner_text("#gaps")
            assert HOLE[0].strftime("%Y-%m-%dT%H:%M:%SZ") in gaps and "4 points missing" in gaps

            # Another area redraws the chart from its own data.
            page.select_option("#chart-area", "FR")
            page.wait_for_function(
                "document.getElementById('chart-note').textContent.startsWith('France')"
            )
            assert page.locator("#load-chart path.day_ahead").count() == 0

            shot = tmp_path / "status.png"
            page.select_option("#chart-area", "DE_LU")
            page.wait_for_function(
                "document.getElementById('chart-note').textContent.startsWith('Germany')"
            )
            page.screenshot(path=str(shot), full_page=True)
            print(f"status page screenshot: {shot}")
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
    assert errors == []
