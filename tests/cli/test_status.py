"""`energy-data-service status`: the coverage and freshness table over a real database, within the
terminal's width; an unreachable or unmigrated database is one line and exit code 1."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.cli.status import render
from app.db.database import Database
from app.domain.points import EnergyPoint
from app.domain.timegrid import add_months
from app.entsoe.items import DataType
from app.repositories.points import PointsRepository
from app.services.freshness import RHYTHMS, Freshness
from app.services.monthly import Cell, HeatRow, month_labels
from app.services.status import StatusReport
from tests.conftest import TestServer, series_meta

ROOT = Path(__file__).resolve().parents[2]
BERLIN = "Europe/Berlin"
Q = timedelta(minutes=15)


def status_cli(
    database_url: str, *args: str, columns: int = 100
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "ENTSOE", "API__"))}
    url = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    env.update(DATABASE_URL=url, COLUMNS=str(columns), ENTSOE__AREAS="DE_LU,FR")
    return subprocess.run(
        [sys.executable, "-m", "app", "status", *args],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


def month_starts(now: datetime) -> list[datetime]:
    """The UTC starts of the two Berlin months before the current one."""
    local = now.astimezone(ZoneInfo(BERLIN))
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return [add_months(first, k).astimezone(UTC) for k in (-2, -1)]


def recent_points(now: datetime) -> tuple[list[EnergyPoint], int]:
    """DE_LU actual: the month before last complete, last month with a 1-hour hole, this month
    up to about an hour ago; and how many points that is."""
    m2, m1 = month_starts(now)
    hole = m1 + timedelta(days=3)
    end = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    meta = series_meta(area_code="DE_LU", data_type="actual")
    points = []
    t = m2
    while t < end:
        if not hole <= t < hole + timedelta(hours=1):
            points.append(EnergyPoint(t, Decimal(40000 + t.hour), meta))
        t += Q
    return points, len(points)


async def test_status_prints_the_coverage_and_freshness_table(
    db: Database, database_url: str
) -> None:
    now = datetime.now(UTC)
    points, count = recent_points(now)
    async with db.session() as session:
        await PointsRepository(session).upsert(points)
        await session.execute(
            text(
                "INSERT INTO scheduler_job_runs (job, tick, instance, status, started_at)"
                " VALUES ('collect.actual', :t, 'test', 'succeeded', :t)"
            ),
            {"t": now - timedelta(minutes=5)},
        )

    result = await asyncio.to_thread(status_cli, database_url, "--months", "3", columns=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(len(line) <= 120 for line in lines), result.stdout
    rows = {tuple(line.split()[:2]): line for line in lines if line.startswith(("DE_LU", "FR"))}
    assert len(rows) == 2 * len(DataType)  # every configured area and item, stored or not
    de_actual = rows["DE_LU", "actual"].split()
    # month before last complete, last month partial (the hole), this month complete so far
    assert de_actual[-1] == "#~#"
    assert de_actual[3] == "2/3"
    assert de_actual[-2] == "fresh"
    expected = count + 4
    assert de_actual[2] == f"{count / expected:.2%}"
    assert rows["FR", "actual"].split()[-2:] == ["missing", "..."]
    assert "newest scheduler run: collect.actual" in result.stdout

    narrow = await asyncio.to_thread(status_cli, database_url, "--months", "3", columns=50)
    assert narrow.returncode == 0, narrow.stderr
    assert all(len(line) <= 50 for line in narrow.stdout.splitlines()), narrow.stdout
    assert any(line.startswith("DE_LU") and "fresh" in line for line in narrow.stdout.splitlines())


def _report() -> StatusReport:
    """36 months ending November 2024, every third one a point short."""
    now = datetime(2024, 11, 15, 12, tzinfo=UTC)
    labels = month_labels(2021, 12, now)
    cells = [Cell(m, now, now, 96 - (k % 3 == 1), 96) for k, m in enumerate(labels)]
    rows = [HeatRow("DE_LU", "actual", cells)]
    fresh = Freshness(
        "DE_LU", "actual", ("A04",), "PT15M", now, now, now, timedelta(0), RHYTHMS[DataType.ACTUAL]
    )
    return StatusReport(now, labels, rows, [fresh], [])


@pytest.mark.parametrize("width", [200, 100, 72, 40, 12])
def test_the_table_fits_the_terminal_width(width: int) -> None:
    out = render(_report(), width)
    lines = out.splitlines()
    assert all(len(line) <= max(width, 40) for line in lines), out
    row = next(line for line in lines if line.startswith("DE_LU"))
    assert "fresh" in row
    strip = row.split()[-1]
    if width >= 100:  # room for months: the newest ones are shown
        assert set(strip) == {"#", "~"} and strip.endswith(("#", "~"))
        assert len(strip) == min(36, width - (len(row) - len(strip)))


def test_an_unreachable_database_is_one_line_and_exit_1() -> None:
    result = status_cli("postgresql://u:hunter2@127.0.0.1:1/x")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "status failed: cannot use the database" in lines[0]
    assert "hunter2" not in result.stderr and result.stdout == ""


async def test_an_unmigrated_database_says_to_migrate(test_server: TestServer) -> None:
    async with test_server.scratch_database("eds_status_empty") as url:
        result = await asyncio.to_thread(status_cli, url)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `energy-data-service migrate`" in lines[0], result.stderr


def test_months_out_of_range_is_a_usage_error() -> None:
    result = status_cli("postgresql://u@127.0.0.1:1/x", "--months", "0")
    assert result.returncode == 2
    assert result.stderr.strip() == "energy-data-service: --months must be between 1 and 120, got 0"
