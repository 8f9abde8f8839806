"""Benchmark: ENTSO-E XML bytes -> finished rows (app.entsoe.processor.process), beside entsoe-py.

Decodes the one-year hourly document (8,784 points), the 15-minute week (672 points) and the
Spanish actual generation per production type (A75, 21 series, heavy A03 compression: 844 Points
stand for 2,016 rows) from ``../shared/entsoe-samples/real/`` many times; without the samples it
generates an equivalent year and week (and skips the generation document). Prints a table, then
ends with one JSON line: ``{"points_per_s": <one-year file>, "entsoe_py_points_per_s": <same
file, or null>, "generation_points_per_s": <A75 file, or null>}`` (points = rows made).
entsoe-py is optional (it comes with requirements/dev.lock); without it its figure is null.

    .venv/bin/python scripts/bench_parse.py [--seconds 3] [--samples DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lxml import etree

from app.entsoe.processor import process

SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "entsoe-samples" / "real"
YEAR = "A65_A16_CZ_PT60M_A01_2020_fullyear_1TS_DST.xml"
WEEK = "A65_A16_BE_PT15M_A03_week20240115.xml"
GENERATION = "A75_A16_ES_PT15M_A03_20240615_21TS-B01-B20-in-out.xml"


def generated(start: datetime, points: int, step: timedelta, resolution: str, eic: str) -> bytes:
    """A GL_MarketDocument shaped like ENTSO-E's (same namespace, element order, indentation)."""
    end = start + step * points
    fmt = "%Y-%m-%dT%H:%MZ"
    head = f"""<?xml version="1.0" encoding="UTF-8"?>
<GL_MarketDocument xmlns="urn:iec62325.351:tc57wg16:451-6:generationloaddocument:3:0">
    <mRID>generated0000000000000000000000</mRID>
    <revisionNumber>1</revisionNumber>
    <type>A65</type>
    <process.processType>A16</process.processType>
    <createdDateTime>2023-05-25T11:33:39Z</createdDateTime>
    <time_Period.timeInterval>
        <start>{start:{fmt}}</start>
        <end>{end:{fmt}}</end>
    </time_Period.timeInterval>
    <TimeSeries>
        <mRID>1</mRID>
        <businessType>A04</businessType>
        <objectAggregation>A01</objectAggregation>
        <outBiddingZone_Domain.mRID codingScheme="A01">{eic}</outBiddingZone_Domain.mRID>
        <quantity_Measure_Unit.name>MAW</quantity_Measure_Unit.name>
        <curveType>A01</curveType>
        <Period>
            <timeInterval>
                <start>{start:{fmt}}</start>
                <end>{end:{fmt}}</end>
            </timeInterval>
            <resolution>{resolution}</resolution>
"""
    body = "".join(
        f"""            <Point>
                <position>{k + 1}</position>
                <quantity>{6000 + (k * 37) % 2500}</quantity>
            </Point>
"""
        for k in range(points)
    )
    tail = "        </Period>\n    </TimeSeries>\n</GL_MarketDocument>"
    return (head + body + tail).encode()


def documents(samples: Path) -> tuple[dict[str, bytes], str]:
    if (samples / YEAR).is_file() and (samples / WEEK).is_file():
        docs = {"year": (samples / YEAR).read_bytes(), "week": (samples / WEEK).read_bytes()}
        if (samples / GENERATION).is_file():
            docs["A75 ES"] = (samples / GENERATION).read_bytes()
        return docs, str(samples.resolve())
    year = generated(datetime(2019, 12, 31, 23, tzinfo=UTC), 8784, timedelta(hours=1), "PT60M",
                     "10YCZ-CEPS-----N")  # fmt: skip
    week = generated(datetime(2024, 1, 14, 23, tzinfo=UTC), 672, timedelta(minutes=15), "PT15M",
                     "10YBE----------2")  # fmt: skip
    return {"year": year, "week": week}, "generated (no samples found)"


def measure(func: Callable[[], int], seconds: float, min_runs: int) -> tuple[float, int, int]:
    """Median seconds per call, the call's point count, and how many calls were timed."""
    points = func()  # warm-up (imports, caches)
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < min_runs or time.perf_counter() < deadline:
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), points, len(times)


def entsoe_py_parser() -> Callable[[bytes, str], int] | None:
    """entsoe-py's count of values: load rows, or generation cells (rows x production types)."""
    try:
        from entsoe.parsers import parse_generation, parse_loads
    except ImportError:
        return None

    def run(content: bytes, name: str) -> int:
        text = content.decode("utf-8")
        if name == "A75 ES":
            frame = parse_generation(text, nett=False)
            return int(frame.notna().sum().sum())
        return len(parse_loads(text, process_type="A16"))

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent per measurement")
    parser.add_argument("--samples", type=Path, default=SAMPLES, help="real samples folder")
    args = parser.parse_args()

    docs, origin = documents(args.samples)
    print(f"documents: {origin}")
    theirs = entsoe_py_parser()
    results: dict[str, dict[str, float | int | None]] = {}
    header = f"{'document':<8} {'points':>7} {'bytes':>9} {'lxml parse':>11} {'ours':>13}"
    print(header + f" {'entsoe-py':>13} {'ratio':>7}")
    for name, content in docs.items():
        lxml_s, _, _ = measure(lambda c=content: len(etree.fromstring(c)), args.seconds / 3, 5)
        ours_s, points, runs = measure(lambda c=content: len(process(c)), args.seconds, 10)
        ours = points / ours_s
        theirs_pps: float | None = None
        if theirs is not None:
            their_s, their_points, _ = measure(
                lambda c=content, f=theirs, n=name: f(c, n), args.seconds, 2
            )
            theirs_pps = their_points / their_s
        results[name] = {"points": points, "ours": ours, "entsoe_py": theirs_pps, "runs": runs}
        ratio = f"{ours / theirs_pps:>6.0f}x" if theirs_pps else f"{'-':>7}"
        their_text = f"{theirs_pps:>9,.0f} p/s" if theirs_pps else f"{'null':>13}"
        print(
            f"{name:<8} {points:>7} {len(content):>9,} {lxml_s * 1000:>8.1f} ms "
            f"{ours:>9,.0f} p/s {their_text} {ratio}"
        )
    year = results["year"]
    generation = results.get("A75 ES", {}).get("ours")
    print(
        json.dumps(
            {
                "points_per_s": round(float(year["ours"] or 0)),
                "entsoe_py_points_per_s": (
                    round(float(year["entsoe_py"])) if year["entsoe_py"] is not None else None
                ),
                "generation_points_per_s": round(generation) if generation else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
