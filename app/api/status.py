"""GET /status: the service's state for people, one server-rendered HTML page.

Coverage per area, item and local month (a heatmap: click a cell to list its gaps, fetched from
/api/v1/coverage), freshness per series against its publication rhythm, the newest scheduler
runs, and a chart of the last week of actual vs day-ahead load drawn in the browser from
/api/v1/energy-data. No CDN and no build step: the page's script and style are the small files
in ``static/``, served by the service under :data:`ASSETS_PATH`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app.api import params as qp
from app.api.deps import SessionDep, SettingsDep
from app.api.schemas import ERRORS
from app.entsoe.items import DataType
from app.services.monthly import Cell
from app.services.status import MAX_MONTHS, status_report

ASSETS_PATH = "/status/assets"
_HERE = Path(__file__).parent
templates = Jinja2Templates(directory=_HERE / "templates")
router = APIRouter(tags=["status"])


def assets() -> StaticFiles:
    """The page's script and style, to mount at :data:`ASSETS_PATH`."""
    return StaticFiles(directory=_HERE / "static")


def cell_colour(cell: Cell) -> str:
    """Green when every expected point is stored, red when none is, orange (little) to amber
    (nearly all) in between, grey when nothing is expected."""
    share = cell.share
    if cell.state == "none" or share is None:
        return "#e5e7eb"
    if cell.state == "full":
        return "hsl(140, 55%, 40%)"
    if cell.state == "empty":
        return "hsl(0, 80%, 45%)"
    return f"hsl({round(25 + 25 * share)}, 90%, 55%)"


def cell_title(area: str, data_type: str, cell: Cell) -> str:
    if cell.state == "none":
        return f"{area} {data_type} {cell.month}: no point expected"
    share = f" ({cell.present / cell.expected:.2%})" if cell.expected else ""
    text = f"{area} {data_type} {cell.month}: {cell.present:,} of {cell.expected:,} points{share}"
    return text + (" - click to list the gaps" if cell.state in ("partial", "empty") else "")


def _stamp(t: datetime | None) -> str:
    return "-" if t is None else t.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _years(months: list[str]) -> list[tuple[str, int]]:
    """(year, number of its months shown): the heatmap's first header row."""
    out: list[tuple[str, int]] = []
    for label in months:
        if out and out[-1][0] == label[:4]:
            out[-1] = (label[:4], out[-1][1] + 1)
        else:
            out.append((label[:4], 1))
    return out


@router.get(
    "/status",
    summary="Status page (HTML): coverage heatmap, freshness, scheduler runs, last week's load",
    response_class=HTMLResponse,
    responses=ERRORS,
)
async def status_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    months: Annotated[
        int, Query(ge=1, le=MAX_MONTHS, description="local months shown, the current one last")
    ] = 36,
    area: Annotated[
        str | None, Query(max_length=64, description="area charted first (default: the first)")
    ] = None,
) -> HTMLResponse:
    chosen = qp.area(area).code if area is not None else None
    report = await status_report(
        session,
        areas=settings.entsoe.areas,
        data_types=settings.entsoe.data_types,
        months=months,
    )
    chart_areas = report.chart_areas
    if chosen is not None and chosen not in chart_areas:
        chart_areas.insert(0, chosen)
    hour = report.now.replace(minute=0, second=0, microsecond=0)
    context: dict[str, Any] = {
        "report": report,
        "years": _years(report.months),
        "assets": ASSETS_PATH,
        "colour": cell_colour,
        "title": cell_title,
        "stamp": _stamp,
        "iso": _iso,
        "chart_areas": chart_areas,
        "chart_area": chosen or (chart_areas[0] if chart_areas else None),
        "chart_start": _iso(hour - timedelta(days=7)),
        "chart_end": _iso(hour + timedelta(days=1)),
        "kinds": (DataType.ACTUAL.value, DataType.DAY_AHEAD.value),
    }
    return templates.TemplateResponse(request, "status.html", context)
