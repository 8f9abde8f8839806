"""``energy-data-service status``: the status page's coverage and freshness table, in the terminal.

One row per area and item (configured or stored): the share of the expected points stored over
the last ``--months`` local months, how many of those months are complete, the newest stored
point, how far it trails what is published, and a strip of the months that fit the terminal's
width (``#`` complete, ``~`` partial, ``!`` nothing stored but expected, ``.`` nothing expected).
Exit codes: 0 shown, 1 the database cannot be used (one line), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sys
import textwrap
from typing import Any

from app.config import Settings, load_settings
from app.exceptions import UsageError, WorkFailed
from app.services.status import MAX_MONTHS, StatusReport

MARKS = {"full": "#", "partial": "~", "empty": "!", "none": "."}
# Dropped right to left until the table fits the terminal (area, item and state always stay).
_OPTIONAL = ("newest point (UTC)", "complete", "stored", "behind")


def register(subparsers: Any) -> None:
    cmd = subparsers.add_parser(
        "status",
        help="coverage and freshness of the stored data (the /status page as a table)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument(
        "--months", type=int, default=36, help=f"local months shown, 1..{MAX_MONTHS} (default 36)"
    )
    cmd.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.logging import configure_from_settings

    if not 1 <= args.months <= MAX_MONTHS:
        raise UsageError(f"--months must be between 1 and {MAX_MONTHS}, got {args.months}")
    settings = load_settings()
    configure_from_settings(settings)
    if settings.logging.level != "DEBUG":  # the table is the output
        logging.getLogger().setLevel(logging.WARNING)
    report = asyncio.run(_report(settings, args.months))
    try:
        print(render(report, shutil.get_terminal_size().columns), flush=True)
    except BrokenPipeError:  # `status | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


async def _report(settings: Settings, months: int) -> StatusReport:
    from app.db.database import Database
    from app.db.embedded import database_url
    from app.db.migrations import migration_state
    from app.services.status import status_report

    # The configured server, or the embedded one (reused when `serve` runs on it).
    with database_url(settings.database) as url:
        database = Database.from_settings(settings.database, url, development=False)
        try:
            current, head = await migration_state(database.engine)
            if current != head:
                raise WorkFailed(
                    f"the database schema is at {current or 'nothing'}, not {head}:"
                    " run `energy-data-service migrate`"
                )
            async with database.session() as session:
                return await status_report(
                    session,
                    areas=settings.entsoe.areas,
                    data_types=settings.entsoe.data_types,
                    months=months,
                    runs_per_job=1,
                )
        finally:
            await database.dispose()


def _fit(headers: list[str], rows: list[list[str]], width: int) -> tuple[list[str], list[int]]:
    """The columns to show and their widths: optional ones dropped until the table fits."""
    shown = list(headers)
    for drop in (None, *_OPTIONAL):
        if drop is not None:
            shown.remove(drop)
        widths = [max(len(h), *(len(r[headers.index(h)]) for r in rows)) for h in shown]
        if sum(widths) + 2 * (len(widths) - 1) <= width:
            break
    return shown, widths


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, max(width, 20))


def _strip_head(months: list[str], room: int) -> str:
    """The months column's header: as much of "first..last" as fits ``room``."""
    names = (f"{months[0]}..{months[-1]}", f"{months[0]}..", months[0], "months", "")
    return next((n for n in names if len(n) <= room), "")


def render(report: StatusReport, width: int) -> str:
    """The table, at most ``width`` characters wide (the title and notes wrap)."""
    heat = {(r.area_code, r.data_type): r for r in report.rows}
    headers = ["area", "data type", "stored", "complete", "newest point (UTC)", "behind", "state"]
    rows: list[list[str]] = []
    strips: list[str] = []
    for f in report.freshness:
        heat_row = heat.get((f.area_code, f.data_type))
        cells = heat_row.cells if heat_row else []
        present = sum(c.present for c in cells)
        expected = sum(c.expected for c in cells)
        full = sum(c.state == "full" for c in cells)
        due = sum(c.state != "none" for c in cells)
        rows.append(
            [
                f.area_code,
                f.data_type,
                f"{present / expected:.2%}" if expected else "-",
                f"{full}/{due}" if due else "-",
                f.last.strftime("%Y-%m-%d %H:%M") if f.last else "-",
                f.behind,
                f.state,
            ]
        )
        strips.append("".join(MARKS[c.state] for c in cells) or "." * len(report.months))
    shown, widths = _fit(headers, rows, width)
    room = min(len(report.months), width - sum(widths) - 2 * len(widths))
    months = room if room >= min(6, len(report.months)) else 0  # fewer say nothing
    head = _strip_head(report.months[-months:], months) if months else ""

    def line(values: list[str], strip: str) -> str:
        text = "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True))
        return (text + "  " + strip[-months:] if months else text).rstrip()

    lines = _wrap(
        f"Stored data as of {report.now:%Y-%m-%d %H:%M}Z, last {len(report.months)} local months"
        f" ({report.months[0]}..{report.months[-1]})",
        width,
    )
    lines.append(line(shown, head))
    lines.append(line(["-" * w for w in widths], "-" * months))
    for row, strip in zip(rows, strips, strict=True):
        lines.append(line([row[headers.index(h)] for h in shown], strip))
    if months:
        legend = "months: # complete, ~ partial, ! nothing stored but expected, . nothing expected"
        lines += _wrap(legend, width)
    if report.runs:
        run = report.runs[0]
        lines += _wrap(
            f"newest scheduler run: {run.job} at {run.started_at:%Y-%m-%d %H:%M}Z, {run.status}",
            width,
        )
    else:
        lines.append("no scheduler run recorded yet")
    return "\n".join(lines)
