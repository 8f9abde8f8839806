"""`energy-data-service backfill` as a process: SIGKILL, Ctrl-C or a database outage mid-run,
then resume; the summary so far however it ends; bad arguments."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.db.database import Database
from app.entsoe.items import DataType
from app.sandbox import SandboxConfig, SandboxServer
from tests.services.support import expected, sandbox_config, scalar, stored, utc

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
AREAS = ("PT", "ES")
TYPES = (DataType.ACTUAL, DataType.DAY_AHEAD)
START, END = utc("2025-01-01T00:00"), utc("2026-01-01T00:00")
WINDOWS = len(AREAS) * len(TYPES) * 14
CONCURRENCY = 2
ARGS = [
    "--areas", ",".join(AREAS), "--data-types", ",".join(TYPES),
    "--start", "2025-01-01", "--end", "2026-01-01", "--concurrency", str(CONCURRENCY), "--json",
]  # fmt: skip


def _env(database_url: str, base_url: str) -> dict[str, str]:
    url = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENTSOE__", "DATABASE"))}
    env.update(
        DATABASE_URL=url,
        ENTSOE__BASE_URL=base_url,
        ENTSOE__API_TOKEN="sandbox",
        ENTSOE__REQUESTS_PER_MINUTE="100000",
        LOGGING__LEVEL="WARNING",
    )
    return env


async def _backfill(env: dict[str, str], *, as_json: bool = True) -> asyncio.subprocess.Process:
    args = ARGS if as_json else [a for a in ARGS if a != "--json"]
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "backfill", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _finished_windows(db: Database) -> int:
    return int(await scalar(db, "SELECT count(*) FROM backfill_windows"))  # type: ignore[call-overload]


async def _wait_for_windows(db: Database, process: asyncio.subprocess.Process, count: int) -> None:
    deadline = time.monotonic() + 60
    while await _finished_windows(db) < count:
        assert process.returncode is None, "the backfill ended before it could be stopped"
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)


def _resume_line(err: str) -> bool:
    return any(
        line.startswith("to resume, run the same command again") for line in err.splitlines()
    )


async def test_sigkill_mid_run_then_resume_completes_without_gap_or_duplicate(
    db: Database,
    database_url: str,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    # Slow replies stretch the run so that it can be killed in the middle.
    config = sandbox_config(slow_share=1.0, slow_seconds=0.12)
    sandbox = start_sandbox(config)
    env = _env(database_url, sandbox.base_url)

    first = await _backfill(env)
    deadline = time.monotonic() + 60
    done = 0
    while done < WINDOWS // 3:
        assert first.returncode is None, "the backfill ended before it could be killed"
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
        done = int(await scalar(db, "SELECT count(*) FROM backfill_windows"))  # type: ignore[arg-type]
    first.send_signal(signal.SIGKILL)
    await first.wait()
    done = int(await scalar(db, "SELECT count(*) FROM backfill_windows"))  # type: ignore[arg-type]
    fetched_by_first = sandbox.counters["requests"]
    assert 0 < done < WINDOWS

    second = await _backfill(env)
    out, err = await second.communicate()
    assert second.returncode == 0, err.decode()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["skipped"] == done
    assert summary["windows"] == WINDOWS - done
    assert summary["requests"] == WINDOWS - done
    assert summary["failed"] == 0
    # Only windows that were in flight when the process died were asked twice.
    refetched = fetched_by_first + summary["requests"] - WINDOWS
    assert 0 <= refetched <= CONCURRENCY
    assert sandbox.counters["requests"] == fetched_by_first + summary["requests"]

    for area in AREAS:
        for dt in TYPES:
            assert await stored(db, area, dt) == expected(config, area, dt, [(START, END)])
    assert await scalar(db, "SELECT count(*) FROM backfill_windows") == WINDOWS


async def test_failing_windows_are_listed_exit_1_and_a_rerun_fetches_only_them(
    db: Database,
    database_url: str,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    flaky = start_sandbox(sandbox_config(fail_503_share=0.5))
    env = {**_env(database_url, flaky.base_url), "ENTSOE__MAX_RETRIES": "0"}
    first = await _backfill(env)
    out, err = await first.communicate()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    failed_lines = [line for line in err.decode().splitlines() if line.startswith("failed: ")]
    assert first.returncode == 1
    assert 0 < summary["failed"] == len(summary["failures"]) == len(failed_lines) < WINDOWS
    assert summary["windows"] + summary["failed"] == WINDOWS
    assert await scalar(db, "SELECT count(*) FROM backfill_windows") == summary["windows"]

    healthy = start_sandbox(sandbox_config())
    second = await _backfill(_env(database_url, healthy.base_url))
    out, err = await second.communicate()
    assert second.returncode == 0, err.decode()
    again = json.loads(out.decode().strip().splitlines()[-1])
    assert (again["windows"], again["skipped"]) == (summary["failed"], summary["windows"])
    for area in AREAS:
        for dt in TYPES:
            assert await stored(db, area, dt) == expected(healthy.config, area, dt, [(START, END)])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--areas", "XX", "--start", "2025-01-01"], "--areas: unknown ENTSO-E area 'XX'"),
        (["--start", "2025-02-01", "--end", "2025-01-01"], "--end"),
        (["--start", "yesterday"], "--start: not an ISO 8601"),
        (["--data-types", "actual,nope", "--start", "2025-01-01"], "--data-types"),
        (["--start", "2025-01-01", "--concurrency", "0"], "--concurrency"),
        (["--start", "2025-01-01", "--concurrency", "two"], "--concurrency"),
        (["--end", "2025-01-01"], "--start"),
        # given but empty (--areas "$UNSET") must not mean "every configured area"
        (["--areas", "", "--start", "2025-01-01"], "must name at least one"),
        (["--data-types", " ", "--start", "2025-01-01"], "must name at least one"),
        (["--start", "0001-01-01T00:00+14:00"], "--start: must lie between 1900-01-01"),
        (["--start", "2025-01-01", "--end", "9999-12-31T12:00-14:00"], "--end: must lie"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from app.cli import main

    monkeypatch.setenv("ENTSOE__API_TOKEN", "sandbox")
    code = _exit_code(lambda: main(["backfill", *args]))
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_missing_token_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.delenv("ENTSOE__API_TOKEN", raising=False)
    code = main(["backfill", "--areas", "FR", "--start", "2025-01-01", "--end", "2025-02-01"])
    err = capsys.readouterr().err
    assert code == 2
    assert "ENTSOE__API_TOKEN" in err and len(err.strip().splitlines()) == 1


def test_dry_run_prints_the_plan_and_touches_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    # A database nobody listens on and no token: a dry run needs neither.
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/nothing")
    monkeypatch.delenv("ENTSOE__API_TOKEN", raising=False)
    args = ["--areas", "FR,PT", "--data-types", "actual,year_ahead", "--start", "2024-01-01"]
    code = main(["backfill", *args, "--end", "2025-01-01", "--dry-run", "--json"])
    plan = json.loads(capsys.readouterr().out)
    assert code == 0
    assert plan["windows"] == plan["requests"] == 2 * (14 + 1)
    assert {(r["area"], r["data_type"], r["windows"]) for r in plan["plan"]} == {
        ("FR", "actual", 14), ("PT", "actual", 14), ("FR", "year_ahead", 1), ("PT", "year_ahead", 1)
    }  # fmt: skip


def _exit_code(call: Callable[[], int]) -> int:
    try:
        return call()
    except SystemExit as exc:  # argparse's own errors
        return int(exc.code or 0)


async def test_database_restart_mid_run_then_rerun_completes(
    tmp_path: Path, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    """The database goes away under a running backfill and comes back: windows in flight then
    fail (listed, exit 1) and a re-run completes with every point exactly once."""
    from app.db.embedded import EmbeddedPostgres
    from app.db.migrations import upgrade_to_head

    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()
    await upgrade_to_head(url)
    own = Database(url, pool_size=2)
    config = sandbox_config(slow_share=1.0, slow_seconds=0.12)
    env = _env(url, start_sandbox(config).base_url)
    try:
        first = await _backfill(env)
        deadline = time.monotonic() + 60
        while int(await scalar(own, "SELECT count(*) FROM backfill_windows")) < WINDOWS // 3:  # type: ignore[call-overload]
            assert first.returncode is None and time.monotonic() < deadline
            await asyncio.sleep(0.05)
        await own.dispose()
        server.stop()
        await asyncio.sleep(1.0)
        assert server.start() == url
        _, err = await first.communicate()
        assert first.returncode == 1, err.decode()  # windows in flight failed, and say so
        assert "failed: " in err.decode()
        assert "Traceback" not in err.decode()

        second = await _backfill(env)
        out, err = await second.communicate()
        assert second.returncode == 0, err.decode()
        assert json.loads(out.decode().strip().splitlines()[-1])["failed"] == 0
        for area in AREAS:
            for dt in TYPES:
                assert await stored(own, area, dt) == expected(config, area, dt, [(START, END)])
        assert await scalar(own, "SELECT count(*) FROM backfill_windows") == WINDOWS
    finally:
        await own.dispose()
        server.stop()


async def test_ctrl_c_prints_the_summary_so_far_and_exits_130(
    db: Database,
    database_url: str,
    start_sandbox: Callable[[SandboxConfig], SandboxServer],
) -> None:
    config = sandbox_config(slow_share=1.0, slow_seconds=0.12)
    sandbox = start_sandbox(config)
    env = _env(database_url, sandbox.base_url)

    first = await _backfill(env)
    await _wait_for_windows(db, first, WINDOWS // 3)
    first.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(first.communicate(), timeout=60)
    assert first.returncode == 130, err.decode()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    done = await _finished_windows(db)
    assert 0 < done < WINDOWS
    # What it says it stored is what is durable (a window interrupted at its commit may be
    # durable without being counted, never the other way round).
    assert summary["windows"] <= done <= summary["windows"] + CONCURRENCY
    assert summary["stopped"] == {"reason": "interrupted", "message": "interrupted (Ctrl-C)"}
    assert summary["failures"] == []
    lines = err.decode().splitlines()
    assert lines.count("stopped: interrupted (Ctrl-C)") == 1
    assert _resume_line(err.decode())
    assert "Traceback" not in err.decode()
    # The interrupted collections are closed, not left running.
    assert await scalar(db, "SELECT count(*) FROM collection_runs WHERE status = 'running'") == 0

    second = await _backfill(env)
    out, err = await second.communicate()
    assert second.returncode == 0, err.decode()
    again = json.loads(out.decode().strip().splitlines()[-1])
    assert (again["skipped"], again["windows"]) == (done, WINDOWS - done)
    assert again["stopped"] is None and not _resume_line(err.decode())
    for area in AREAS:
        for dt in TYPES:
            assert await stored(db, area, dt) == expected(config, area, dt, [(START, END)])


async def test_a_database_gone_mid_run_stops_it_with_the_summary_so_far(
    tmp_path: Path, start_sandbox: Callable[[SandboxConfig], SandboxServer]
) -> None:
    """The database goes away for good: the backfill stops (it would fetch every further window
    only to lose it), prints its table, the failed windows and one line naming the outage."""
    from app.db.embedded import EmbeddedPostgres
    from app.db.migrations import upgrade_to_head

    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()
    await upgrade_to_head(url)
    own = Database(url, pool_size=2)
    config = sandbox_config(slow_share=1.0, slow_seconds=0.12)
    sandbox = start_sandbox(config)
    env = _env(url, sandbox.base_url)
    try:
        first = await _backfill(env, as_json=False)
        await _wait_for_windows(own, first, WINDOWS // 3)
        await own.dispose()
        server.stop()
        out, err = await asyncio.wait_for(first.communicate(), timeout=60)
        assert first.returncode == 1, err.decode()
        lines = err.decode().splitlines()
        stops = [line for line in lines if line.startswith("stopped: ")]
        assert len(stops) == 1, err.decode()
        assert stops[0].startswith("stopped: cannot use the database: ")
        assert _resume_line(err.decode())
        assert "Traceback" not in err.decode()
        [total] = [r.split() for r in out.decode().splitlines() if r.startswith("total ")]
        skipped, windows, requests = (int(v.replace(",", "")) for v in total[1:4])

        assert server.start() == url
        done = await _finished_windows(own)
        assert skipped == 0 and windows == done
        # Stopped at the outage: only the windows in flight then were fetched and lost.
        assert requests == sandbox.counters["requests"] <= done + CONCURRENCY

        second = await _backfill(env)
        out, err = await second.communicate()
        assert second.returncode == 0, err.decode()
        again = json.loads(out.decode().strip().splitlines()[-1])
        assert (again["skipped"], again["windows"]) == (done, WINDOWS - done)
        for area in AREAS:
            for dt in TYPES:
                assert await stored(own, area, dt) == expected(config, area, dt, [(START, END)])
    finally:
        await own.dispose()
        server.stop()
