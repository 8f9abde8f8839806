"""`parse FILE...` in a real subprocess: CSV on stdout, reasons and warnings on stderr."""

from __future__ import annotations

import argparse
import gzip
import io
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli import parse as parse_cli
from app.domain.points import EnergyPoint, SeriesMeta

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "entsoe-samples" / "real"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"no real samples at {SAMPLES}")

# The subcommand exactly as app/cli.py registers it, without the rest of the CLI.
HARNESS = (
    "import argparse, sys; from app.cli import parse as parse_cli; p = argparse.ArgumentParser(); "
    "s = p.add_subparsers(); parse_cli.register(s); a = p.parse_args(sys.argv[1:]); "
    "raise SystemExit(a.func(a))"
)


def run(*files: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", HARNESS, "parse", *map(str, files)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@needs_samples
def test_prints_sorted_csv_of_min_max_forecast() -> None:
    done = run(SAMPLES / "A65_A31_CZ_P1D_A03_week20230814_minmax.xml")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:5] == [
        "timestamp,area_code,data_type,business_type,quantity,resolution",
        "2023-08-13T22:00:00Z,CZ,week_ahead,A60,4839,P1D",
        "2023-08-13T22:00:00Z,CZ,week_ahead,A61,8053,P1D",
        "2023-08-14T22:00:00Z,CZ,week_ahead,A60,5106,P1D",
        "2023-08-14T22:00:00Z,CZ,week_ahead,A61,8151,P1D",
    ]
    assert lines[-1] == "2023-08-19T22:00:00Z,CZ,week_ahead,A61,6624,P1D"
    assert len(lines) == 15 and done.stderr == ""


@needs_samples
def test_acknowledgement_prints_its_reason_on_stderr_only() -> None:
    done = run(SAMPLES / "ACK_999_NoMatchingData_A65_A01_DE-AT-LU.xml")
    assert done.returncode == 0
    assert done.stdout == ""
    assert "acknowledgement 999: No matching data found for Data item Day-ahead" in done.stderr


@needs_samples
def test_dropped_positions_warn_on_stderr_and_stdout_stays_csv() -> None:
    done = run(SAMPLES / "A65_A33_CZ_P7D_A01_2015-2016_4TS_points-exceed-interval.xml")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 1 + 206
    assert all(line.count(",") == 5 for line in done.stdout.splitlines())
    assert done.stderr.count("processor.points_outside_period") == 2


def test_malformed_file_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "cut.xml"
    bad.write_bytes(b'<?xml version="1.0"?><GL_MarketDocument><mRID>abc</mRID><type>A6')
    done = run(bad)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "cut.xml" in done.stderr
    assert "not well-formed XML" in done.stderr and "Traceback" not in done.stderr


def test_missing_file_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    done = run(tmp_path / "nope.xml")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.strip() == f"{tmp_path / 'nope.xml'}: cannot read: No such file or directory"


def test_csv_formatting_in_process() -> None:
    meta = SeriesMeta("CZ", "actual", "A04", "MAW", "PT15M", "A01", "d", 1,
                      datetime(2024, 1, 1, tzinfo=UTC), "1", "entsoe")  # fmt: skip
    rows = [
        EnergyPoint(datetime(2024, 1, 1, 0, 15, tzinfo=UTC), Decimal("1E+3"), meta),
        EnergyPoint(datetime(2024, 1, 1, 0, 0, tzinfo=UTC), Decimal("-0.50"), meta),
        EnergyPoint(datetime(1, 1, 1, tzinfo=UTC), Decimal("7"), meta),  # zero-padded year
    ]
    out = io.StringIO()
    parse_cli.write_csv(rows, out)
    assert out.getvalue() == (
        "timestamp,area_code,data_type,business_type,quantity,resolution\n"
        "0001-01-01T00:00:00Z,CZ,actual,A04,7,PT15M\n"
        "2024-01-01T00:00:00Z,CZ,actual,A04,-0.50,PT15M\n"
        "2024-01-01T00:15:00Z,CZ,actual,A04,1000,PT15M\n"
    )


def test_register_adds_the_parse_subcommand() -> None:
    parser = argparse.ArgumentParser()
    parse_cli.register(parser.add_subparsers())
    args = parser.parse_args(["parse", "a.xml", "b.xml"])
    assert args.func is parse_cli.run
    assert args.files == [Path("a.xml"), Path("b.xml")]


def test_a_file_that_inflates_past_the_limit_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml.gz"
    bomb.write_bytes(gzip.compress(b" " * (8 << 20)))
    done = subprocess.run(
        [sys.executable, "-c", HARNESS, "parse", "--max-bytes", str(1 << 20), str(bomb)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.strip() == f"{bomb}: reply larger than 1048576 bytes once decompressed"
