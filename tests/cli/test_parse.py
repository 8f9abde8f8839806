"""`parse FILE...` in a real subprocess: CSV on stdout, reasons and warnings on stderr."""

from __future__ import annotations

import argparse
import gzip
import io
import random
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli import parse as parse_cli
from app.domain.points import EnergyPoint, SeriesMeta
from app.entsoe.processor import process
from tests.entsoe.xmlgen import TS, Doc, P

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
        "timestamp,area_code,data_type,business_type,psr_type,quantity,resolution",
        "2023-08-13T22:00:00Z,CZ,week_ahead,A60,,4839,P1D",
        "2023-08-13T22:00:00Z,CZ,week_ahead,A61,,8053,P1D",
        "2023-08-14T22:00:00Z,CZ,week_ahead,A60,,5106,P1D",
        "2023-08-14T22:00:00Z,CZ,week_ahead,A61,,8151,P1D",
    ]
    assert lines[-1] == "2023-08-19T22:00:00Z,CZ,week_ahead,A61,,6624,P1D"
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
    assert all(line.count(",") == 6 for line in done.stdout.splitlines())
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
        "timestamp,area_code,data_type,business_type,psr_type,quantity,resolution\n"
        "0001-01-01T00:00:00Z,CZ,actual,A04,,7,PT15M\n"
        "2024-01-01T00:00:00Z,CZ,actual,A04,,-0.50,PT15M\n"
        "2024-01-01T00:15:00Z,CZ,actual,A04,,1000,PT15M\n"
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


@needs_samples
def test_generation_document_prints_every_production_type_with_its_direction() -> None:
    done = run(SAMPLES / "A75_A16_ES_PT15M_A03_20240615_21TS-B01-B20-in-out.xml")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 + 21 * 96 and done.stderr == ""
    # Position 1 of each TimeSeries, read off the XML: B01..B20 generated, then B10 pumping.
    firsts = [460, 0, 0, 3040, 248, 60, 0, 0, 0, 1488, 1004, 1780, 0, 6216, 80, 692, 232, 0,
              9536, 8]  # fmt: skip
    assert lines[1:22] == [
        f"2024-06-14T22:00:00Z,ES,generation,A01,B{k:02d},{q},PT15M"
        for k, q in enumerate(firsts, 1)
    ] + ["2024-06-14T22:00:00Z,ES,generation_consumption,A01,B10,24,PT15M"]
    # Position 96 of the consumption series is absent: position 88's 0 holds until the end.
    assert lines[-1] == "2024-06-15T21:45:00Z,ES,generation_consumption,A01,B10,0,PT15M"


def test_zip_of_a_generation_document_is_read_like_its_xml(tmp_path: Path) -> None:
    t0 = datetime(2024, 6, 15, 8, tzinfo=UTC)
    hour = P(t0, t0 + timedelta(hours=1), "PT15M", [(1, "5"), (3, "7.25")])
    doc = Doc(
        [
            TS([hour], "A01", "A03", "10YBE----------2", "1", direction="in", psr_type="B16"),
            TS([P(t0, t0 + timedelta(minutes=30), "PT15M", [(1, "12.5"), (2, "0")])],
               "A01", "A01", "10YBE----------2", "2", direction="out", psr_type="B10"),
        ],
        document_type="A75",
        process_type="A16",
    ).xml()  # fmt: skip
    archive = tmp_path / "generation.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("001-001-AGGREGATED_GENERATION_PER_TYPE_202406150800-202406150900.xml", doc)
    (tmp_path / "generation.xml").write_bytes(doc)
    done, plain = run(archive), run(tmp_path / "generation.xml")
    assert done.returncode == 0, done.stderr
    assert done.stdout == plain.stdout
    assert done.stdout.splitlines() == [
        "timestamp,area_code,data_type,business_type,psr_type,quantity,resolution",
        "2024-06-15T08:00:00Z,BE,generation,A01,B16,5,PT15M",
        "2024-06-15T08:00:00Z,BE,generation_consumption,A01,B10,12.5,PT15M",
        "2024-06-15T08:15:00Z,BE,generation,A01,B16,5,PT15M",  # A03: position 2 holds 1
        "2024-06-15T08:15:00Z,BE,generation_consumption,A01,B10,0,PT15M",
        "2024-06-15T08:30:00Z,BE,generation,A01,B16,7.25,PT15M",
        "2024-06-15T08:45:00Z,BE,generation,A01,B16,7.25,PT15M",
    ]


@needs_samples
def test_row_order_does_not_depend_on_input_order() -> None:
    """Rows that differ only in production type are ordered by it, not by arrival."""
    rows = process((SAMPLES / "A75_A16_FI_PT60M_A01_20230508-10_11TS.xml").read_bytes())
    expected = io.StringIO()
    parse_cli.write_csv(rows, expected)
    shuffled = rows[:]
    random.Random(11).shuffle(shuffled)
    out = io.StringIO()
    parse_cli.write_csv(shuffled, out)
    assert out.getvalue() == expected.getvalue()
    # The document has B20 before B15; the CSV has them in code order within a timestamp.
    first_hour = expected.getvalue().splitlines()[1:12]
    assert [line.split(",")[4] for line in first_hour] == [
        "B01", "B04", "B05", "B06", "B08", "B11", "B14", "B15", "B17", "B20", "B19"]  # fmt: skip
    assert first_hour[-1] == "2023-05-08T07:00:00Z,FI,generation,A93,B19,750,PT60M"


@needs_samples
def test_every_kind_of_generation_document_in_one_call() -> None:
    kinds = ("A68_", "A69_", "A71_", "A75_", "BONUS_A75_", "ACK_999_NoMatchingData_A73")
    files = sorted(p for p in SAMPLES.iterdir() if p.name.startswith(kinds))
    done = run(*files)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 + sum(len(process(f.read_bytes())) for f in files) == 1 + 4268
    assert {line.split(",")[2] for line in lines[1:]} == {
        "generation", "generation_consumption", "generation_forecast", "installed_capacity",
        "wind_solar_day_ahead", "wind_solar_intraday", "wind_solar_current"}  # fmt: skip
    assert "2023-12-31T23:00:00Z,NL,installed_capacity,A37,B16,27980,P1Y" in lines
    assert "acknowledgement 999: No matching data found" in done.stderr  # the A73 reply
