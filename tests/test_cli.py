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
