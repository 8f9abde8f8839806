"""`energy-data-service backfill --refetch`: finished windows are fetched (and recorded) again."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from app.db.database import Database
from app.entsoe.items import DataType
from app.sandbox import SandboxConfig, SandboxServer
from tests.services.support import expected, sandbox_config, scalar, stored, utc

ROOT = Path(__file__).resolve().parents[2]
START, END = utc("2025-01-01T00:00"), utc("2026-01-01T00:00")
WINDOWS = 2 * 14  # two areas, one item, a year in 14 windows each
ARGS = [
    "--areas",
    "PT,ES",
    "--data-types",
    "actual",
    "--start",
    "2025-01-01",
    "--end",
    "2026-01-01",
]


async def _backfill(database_url: str, base_url: str, *extra: str) -> dict[str, Any]:
    url = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTSOE__", "DATABASE"))}
    env.update(
        DATABASE_URL=url,
        ENTSOE__BASE_URL=base_url,
        ENTSOE__API_TOKEN="sandbox",
        ENTSOE__REQUESTS_PER_MINUTE="100000",
        LOGGING__LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "backfill", *ARGS, "--json", *extra, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    summary: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return summary


async def test_refetch_fetches_finished_windows_again_and_records_them_once(
    db: Database,
    database_url: str,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    config = sandbox_config()
    sandbox = start_sandbox(config)
    first = await _backfill(database_url, sandbox.base_url)
    assert (first["windows"], first["requests"], first["skipped"]) == (WINDOWS, WINDOWS, 0)
    recorded_at = await scalar(db, "SELECT max(finished_at) FROM backfill_windows")

    plain = await _backfill(database_url, sandbox.base_url)
    assert (plain["windows"], plain["skipped"]) == (0, WINDOWS)
    assert sandbox.counters["requests"] == WINDOWS  # nothing asked again

    again = await _backfill(database_url, sandbox.base_url, "--refetch")
    assert again["skipped"] == 0 and again["failed"] == 0
    assert again["windows"] == again["requests"] == WINDOWS
    assert sandbox.counters["requests"] == 2 * WINDOWS
    assert (again["inserted"], again["updated"]) == (0, 0)  # the same revisions: nothing to write
    # Each window recorded again: its row updated, not a second one.
    assert await scalar(db, "SELECT count(*) FROM backfill_windows") == WINDOWS
    assert (
        await scalar(
            db, "SELECT count(*) FROM backfill_windows WHERE finished_at > :t", t=recorded_at
        )
        == WINDOWS
    )
    for area in ("PT", "ES"):
        assert await stored(db, area, DataType.ACTUAL) == expected(
            config, area, DataType.ACTUAL, [(START, END)]
        )


def test_dry_run_with_refetch_plans_every_window(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    # No database and no token: a dry run reads neither, so its plan is every window.
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/nothing")
    monkeypatch.delenv("ENTSOE__API_TOKEN", raising=False)
    code = main(["backfill", *ARGS, "--dry-run", "--refetch", "--json"])
    plan = json.loads(capsys.readouterr().out)
    assert code == 0
    assert plan["refetch"] is True
    assert plan["windows"] == plan["requests"] == WINDOWS
    assert [(r["area"], r["windows"]) for r in plan["plan"]] == [("PT", 14), ("ES", 14)]


def test_help_documents_refetch(capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    with pytest.raises(SystemExit):
        main(["backfill", "--help"])
    text = capsys.readouterr().out
    assert "--refetch" in text
    assert "updated, not duplicated" in text.replace("\n", " ")
