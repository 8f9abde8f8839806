"""The console script: bad configuration and bad arguments end with one line and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "ENTSOE", "API__"))
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE__POOL_SIZE": "-1"}, "DATABASE__POOL_SIZE"),
        ({"DATABASE_URL": "postgresql://u:hunter2@"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://u:hunter2@h/db"}, "DATABASE_URL"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_bad_configuration_stops_with_one_line(
    command: str, env: dict[str, str], expected: str
) -> None:
    result = run_cli(command, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


def test_unknown_subcommand_is_one_line() -> None:
    result = run_cli("fly")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "parse", "sandbox"):
        assert command in result.stdout


@pytest.mark.parametrize("argv", [["serve", "--port", "70000"], ["sandbox", "--port", "-1"]])
def test_a_port_out_of_range_is_one_line(argv: list[str]) -> None:
    result = run_cli(*argv)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--port: must be between 0 and 65535" in lines[0], result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["migrate"],
        ["backfill", "--areas", "FR", "--start", "2025-01-01", "--end", "2025-01-02"],
    ],
)
def test_an_unreachable_database_fails_with_one_line(argv: list[str]) -> None:
    url = "postgresql://u:hunter2@127.0.0.1:1/x"
    result = run_cli(*argv, DATABASE_URL=url, ENTSOE__API_TOKEN="sandbox")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{argv[0]} failed: cannot use the database: ConnectionRefusedError" in lines[0]
    assert "hunter2" not in result.stderr


def test_serve_without_its_database_exits_1_without_a_traceback() -> None:
    result = run_cli("serve", "--port", "0", DATABASE_URL="postgresql://u:hunter2@127.0.0.1:1/x")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("energy-data-service: serve failed: cannot use the database"), last
