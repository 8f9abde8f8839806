"""`energy-data-service backfill`: load history from ENTSO-E, resumable, without losing a point.

Plans windows per item limit, skips windows a previous run finished (``backfill_windows``), and
collects the rest with ``--concurrency`` (area, item) pairs at a time, all sharing the client's
rate limiter. Each window's points and its ``backfill_windows`` row commit in one transaction,
so after Ctrl-C, kill -9 or a database restart a re-run fetches only the windows that were not
finished. Windows ending within the actual look-back of now are fetched but not recorded (they
may still change). Token and base URL come from ENTSOE__API_TOKEN, ENTSOE__BASE_URL.

--refetch fetches every window again, finished or not, to pull revisions ENTSO-E published
since; each is recorded again (its backfill_windows row is updated, not duplicated) and an
older revision never overwrites a newer one. --dry-run reads no database: its plan lists every
window, which is what --refetch fetches (a plain run skips the finished ones).

However it ends, the summary so far is printed (the table, or --json, on stdout; failed windows,
why it stopped and how to resume on stderr). Exit codes: 0 every window done; 1 a window failed,
a rejected token or a database outage stopped it; 130 Ctrl-C; 2 bad arguments (one line).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from app.api.params import EARLIEST, LATEST
from app.cli.progress import Progress, report, table
from app.config import Settings, load_settings
from app.entsoe.areas import get_area
from app.entsoe.errors import UnknownAreaError
from app.entsoe.items import DataType
from app.exceptions import UsageError, database_unavailable
from app.services.backfill import BackfillOutcome, Pair, run_backfill
from app.services.collection import DataCollectionService
from app.services.selection import label, parse_data_types, request_types, stored_by

log = structlog.get_logger(__name__)


def register(subparsers: Any) -> None:
    cmd = subparsers.add_parser(
        "backfill",
        help="load history from ENTSO-E (resumable; progress on stderr, summary on stdout)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("--areas", help="comma-separated codes or EICs (default: ENTSOE__AREAS)")
    cmd.add_argument(
        "--data-types",
        help=f"comma-separated, of {', '.join(DataType)}, or `all` (default:"
        " ENTSOE__DATA_TYPES); an item that comes in another's documents is fetched with it:"
        " generation stores generation_consumption too, generation_forecast"
        " consumption_forecast",
    )
    cmd.add_argument("--start", required=True, help="ISO date or datetime (no offset: UTC)")
    cmd.add_argument("--end", help="ISO date or datetime, exclusive (default: now)")
    cmd.add_argument(
        "--concurrency", type=int, help="pairs at a time (COLLECTION__BACKFILL_CONCURRENCY)"
    )
    cmd.add_argument(
        "--refetch",
        action="store_true",
        help="fetch finished windows again too (to pull revisions); they are recorded again",
    )
    cmd.add_argument(
        "--dry-run", action="store_true", help="print the plan (every window); touch nothing"
    )
    cmd.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    cmd.set_defaults(func=run)


def _instant(text: str, option: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except ValueError:
        raise UsageError(f"{option}: not an ISO 8601 date or datetime: {text!r}") from None
    except OverflowError:  # e.g. 0001-01-01T00:00+14:00 has no UTC instant
        value = EARLIEST - timedelta(days=1)
    if not EARLIEST <= value <= LATEST:
        raise UsageError(
            f"{option}: must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}, got {text!r}"
        )
    return value


def parse_args(
    args: argparse.Namespace, settings: Settings, now: datetime
) -> tuple[list[Pair], datetime, datetime, int]:
    """Validated (pairs, start, end, concurrency); :class:`UsageError` names the bad option."""
    # An option given empty (--areas "$UNSET") is an error below, not "everything configured".
    try:
        areas = (
            [get_area(a).code for a in args.areas.split(",") if a.strip()]
            if args.areas is not None
            else list(settings.entsoe.areas)
        )
    except UnknownAreaError as exc:
        raise UsageError(f"--areas: {exc}") from None
    try:
        types = (
            parse_data_types(args.data_types.split(","))
            if args.data_types is not None
            else list(settings.entsoe.data_types)
        )
    except ValueError as exc:
        raise UsageError(f"--data-types: {exc}; choose from {', '.join(DataType)}, all") from None
    if not areas or not types:
        raise UsageError("--areas and --data-types must name at least one each")
    start = _instant(args.start, "--start")
    end = _instant(args.end, "--end") if args.end else now
    if end <= start:
        raise UsageError(f"--end ({end.isoformat()}) must be after --start ({start.isoformat()})")
    concurrency = args.concurrency
    if concurrency is None:
        concurrency = settings.collection.backfill_concurrency
    if concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    # One pair per request (generation and generation_consumption are one); areas alternate
    # within an item so that concurrent pairs are different areas.
    pairs = [(a, t) for t in request_types(types) for a in areas]
    return pairs, start, end, concurrency


def run(args: argparse.Namespace) -> int:
    from app.logging import configure_from_settings

    settings = load_settings()
    configure_from_settings(settings)
    if settings.logging.level != "DEBUG":  # the progress line is the running commentary
        logging.getLogger().setLevel(logging.WARNING)
    pairs, start, end, concurrency = parse_args(args, settings, datetime.now(UTC))
    if args.dry_run:
        return asyncio.run(_dry_run(settings, pairs, start, end, args.json, args.refetch))
    if settings.entsoe.api_token is None:
        raise UsageError("ENTSOE__API_TOKEN is not set (the sandbox accepts `sandbox`)")
    return asyncio.run(
        _backfill(settings, pairs, start, end, concurrency, args.json, refetch=args.refetch)
    )


async def _dry_run(
    settings: Settings,
    pairs: list[Pair],
    start: datetime,
    end: datetime,
    as_json: bool,
    refetch: bool,
) -> int:
    """The plan of every window over [start, end): ``backfill_windows`` is not read, so
    windows a plain run would skip as finished are listed too (``refetch`` fetches them all)."""
    import httpx

    from app.entsoe.client import EntsoeClient

    async with httpx.AsyncClient() as http:  # planning only: nothing is sent
        client = EntsoeClient(http, token=None)
        plan = [(a, t, len(client.plan_windows(t, start, end))) for a, t in pairs]
    windows = sum(n for _, _, n in plan)
    if as_json:
        rows = [
            {"area": a, "data_type": t.value, "stores": list(stored_by(t)), "windows": n,
             "requests": n}
            for a, t, n in plan
        ]  # fmt: skip
        head = {"dry_run": True, "refetch": refetch, "windows": windows, "requests": windows}
        print(json.dumps({**head, "plan": rows}))
    else:
        print(
            f"plan for {start:%Y-%m-%dT%H:%MZ} .. {end:%Y-%m-%dT%H:%MZ} (nothing fetched or stored)"
        )
        rows2: list[list[Any]] = [[a, label(t), n, n] for a, t, n in plan]
        rows2.append(["total", "", windows, windows])
        print(table(["area", "data type", "windows", "requests"], rows2))
    return 0


async def _backfill(
    settings: Settings,
    pairs: list[Pair],
    start: datetime,
    end: datetime,
    concurrency: int,
    as_json: bool,
    *,
    refetch: bool = False,
) -> int:
    """Run the backfill and, once it has started, report it whatever ends it. Ctrl-C:
    asyncio.run cancels this task, the report is printed and the cancellation goes on
    (asyncio.run raises KeyboardInterrupt, the CLI exits 130). A failure before the start (no
    database to migrate) is the CLI's one line: there is nothing to summarise."""
    from app.cli import failure_line
    from app.container import Container, close_resources, open_resources
    from app.db.migrations import upgrade_to_head

    outcome = BackfillOutcome(list(pairs))
    container = Container(settings=settings)
    bar = Progress(0)
    started = False
    try:
        try:
            await open_resources(container)
            await upgrade_to_head(container.database_url())
            service: DataCollectionService = await container.collection_service.async_()
            started = True
            await run_backfill(
                service,
                pairs,
                start,
                end,
                concurrency=concurrency,
                record_until=datetime.now(UTC) - settings.collection.actual_lookback,
                lock_wait=settings.collection.lock_wait,
                refetch=refetch,
                outcome=outcome,
                on_plan=bar.start,
                on_window=bar.update,
                on_skip=bar.skip,
            )
        finally:
            bar.close()
            try:
                await close_resources(container)
            except Exception as exc:  # e.g. a crashed embedded server: it must not hide the report
                log.warning("backfill.close_failed", error=failure_line(exc))
    except asyncio.CancelledError:
        if not started:
            raise
        report(outcome, as_json, stopped=("interrupted", "interrupted (Ctrl-C)"))
        raise
    except Exception as exc:
        if not started:
            raise
        log.debug("backfill.stopped", exc_info=True)  # the traceback, at DEBUG only
        kind = "error" if database_unavailable(exc) is None else "database_unavailable"
        report(outcome, as_json, stopped=(kind, failure_line(exc)))
        return 1
    report(outcome, as_json)
    return 1 if outcome.failures or outcome.not_run else 0
