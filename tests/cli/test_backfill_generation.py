"""`energy-data-service backfill` with the generation items: the plan and summary per request
(generation also stores generation_consumption), `all`, and a SIGKILLed run that resumes."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable

import pytest

from app.db.database import Database
from app.entsoe.items import REQUEST_TYPES, DataType
from app.sandbox import SandboxConfig, SandboxServer
from tests.cli.test_backfill_resume import ROOT, _env
from tests.services.support import expected_series, sandbox_config, scalar, stored_series, utc

AREAS = ("FR", "CZ")  # both with pumped storage consuming (generation_consumption)
ASKED = "generation_consumption,generation,wind_solar_day_ahead"
STORED = (DataType.GENERATION, DataType.GENERATION_CONSUMPTION, DataType.WIND_SOLAR_DAY_AHEAD)
START, END = utc("2025-01-01T00:00"), utc("2026-01-01T00:00")
WINDOWS = len(AREAS) * 2 * 14  # two requests (four-week windows) per area
ARGS = [
    "--areas", ",".join(AREAS), "--data-types", ASKED,
    "--start", "2025-01-01", "--end", "2026-01-01", "--concurrency", "2", "--json",
]  # fmt: skip


def test_the_plan_is_per_request_and_all_means_every_item(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/nothing")
    monkeypatch.delenv("ENTSOE__API_TOKEN", raising=False)
    period = ["--start", "2025-01-01", "--end", "2026-01-01", "--dry-run"]
    assert main(["backfill", "--areas", "NL", "--data-types", ASKED, *period, "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [(r["data_type"], r["stores"], r["windows"]) for r in plan["plan"]] == [
        ("generation", ["generation", "generation_consumption"], 14),
        ("wind_solar_day_ahead", ["wind_solar_day_ahead"], 14),
    ]
    assert main(["backfill", "--areas", "NL", "--data-types", "all", *period, "--json"]) == 0
    everything = json.loads(capsys.readouterr().out)
    assert [r["data_type"] for r in everything["plan"]] == list(REQUEST_TYPES)
    assert main(["backfill", "--areas", "NL", "--data-types", "generation", *period]) == 0
    table = capsys.readouterr().out
    assert "generation+generation_consumption" in table


@pytest.mark.db
async def test_sigkill_mid_run_then_resume_stores_every_production_type_once(
    db: Database,
    database_url: str,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    config = sandbox_config(slow_share=1.0, slow_seconds=0.12)
    sandbox = start_sandbox(config)
    env = _env(database_url, sandbox.base_url)

    def backfill() -> asyncio.subprocess.Process:
        return asyncio.create_subprocess_exec(  # type: ignore[return-value]
            sys.executable, "-m", "app", "backfill", *ARGS, cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip

    first = await backfill()  # type: ignore[misc]
    deadline = time.monotonic() + 60
    done = 0
    while done < WINDOWS // 3:
        assert first.returncode is None, "the backfill ended before it could be killed"
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
        done = int(await scalar(db, "SELECT count(*) FROM backfill_windows"))  # type: ignore[call-overload]
    first.send_signal(signal.SIGKILL)
    await first.wait()
    done = int(await scalar(db, "SELECT count(*) FROM backfill_windows"))  # type: ignore[call-overload]
    fetched_by_first = sandbox.counters["requests"]
    assert 0 < done < WINDOWS

    second = await backfill()  # type: ignore[misc]
    out, err = await second.communicate()
    assert second.returncode == 0, err.decode()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert (summary["skipped"], summary["windows"], summary["failed"]) == (done, WINDOWS - done, 0)
    assert 0 <= fetched_by_first + summary["requests"] - WINDOWS <= 2  # in flight when killed
    assert {(p["area"], p["data_type"]) for p in summary["pairs"]} == {
        (a, t) for a in AREAS for t in ("generation", "wind_solar_day_ahead")
    }
    for area in AREAS:
        for dt in STORED:
            want = expected_series(config, area, dt, [(START, END)])
            assert want and await stored_series(db, area, dt) == want, (area, dt)
    assert await scalar(db, "SELECT count(*) FROM backfill_windows") == WINDOWS
