"""``energy-data-service parse FILE...``: the rows the processor would store, as CSV on stdout.

How a person checks a document by hand; every kind of document the service keeps (load,
generation per production type, wind and solar forecasts, installed capacity). Rows of all files
are printed together, sorted by timestamp then business type (then area, data type and
production type, so the order of one file's rows is total: they are its keys). An
acknowledgement prints nothing on stdout and its reason on stderr (exit code 0: it is a valid
reply). A file that cannot be read or decoded gives one line on stderr and exit code 2; the
other files are still printed. ZIP and gzip files are unpacked as the client does.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import structlog

from app.domain.points import CSV_COLUMNS, EnergyPoint
from app.entsoe.errors import EntsoeError, ReplyTooLargeError
from app.entsoe.parser import Acknowledgement, parse
from app.entsoe.processor import to_points
from app.entsoe.transport import DEFAULT_MAX_REPLY_BYTES, unpack


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="print the rows an ENTSO-E XML document would be stored as (CSV)",
        description=__doc__,
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        type=Path,
        help="ENTSO-E reply: XML, or a ZIP or gzip of XML",
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_REPLY_BYTES,
        help="largest file accepted once decompressed (default %(default)s)",
    )
    parser.set_defaults(func=run)


def _sort_key(row: EnergyPoint) -> tuple[object, ...]:
    meta = row.meta
    return (row.timestamp, meta.business_type, meta.area_code, meta.data_type, meta.psr_type)


def write_csv(rows: Iterable[EnergyPoint], out: TextIO) -> None:
    """Rows as CSV with header :data:`CSV_COLUMNS`; timestamps ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in sorted(rows, key=_sort_key):
        meta = row.meta
        writer.writerow(
            (
                row.timestamp.isoformat(timespec="seconds").replace("+00:00", "Z"),
                meta.area_code,
                meta.data_type,
                meta.business_type,
                meta.psr_type,
                format(row.quantity, "f"),
                meta.resolution,
            )
        )


def _read(path: Path, max_bytes: int) -> bytes:
    with path.open("rb") as file:
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ReplyTooLargeError(max_bytes)
    return data


def _ensure_logging() -> None:
    # stdout carries CSV only: warnings (dropped positions) must go to stderr.
    if not structlog.is_configured():
        from app.logging import configure_logging

        configure_logging("WARNING")


def run(args: argparse.Namespace) -> int:
    _ensure_logging()
    rows: list[EnergyPoint] = []
    documents = 0
    failed = False
    for path in args.files:
        try:
            for reply in map(parse, unpack(_read(Path(path), args.max_bytes), args.max_bytes)):
                if isinstance(reply, Acknowledgement):
                    for reason in reply.reasons:
                        print(
                            f"{path}: acknowledgement {reason.code}: {reason.text}", file=sys.stderr
                        )
                    continue
                rows.extend(to_points(reply))
                documents += 1
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            failed = True
        except EntsoeError as exc:
            print(f"{path}: {exc}".replace("\n", " "), file=sys.stderr)
            failed = True
    if documents:
        try:
            write_csv(rows, sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:  # `parse FILE | head`: the reader has seen enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 2 if failed else 0
