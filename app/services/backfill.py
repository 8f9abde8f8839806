"""A resumable backfill: every window of (area, item) pairs not finished by an earlier run.

Finished windows are rows of ``backfill_windows``, written in the same transaction as the
window's points (:meth:`app.services.collection.DataCollectionService.store_window`), so a re-run
after Ctrl-C, kill -9 or a database restart fetches exactly the windows that were not finished.
Each pair is one collection (its lock, its ``collection_runs`` row) over its unfinished windows.
Pairs run ``concurrency`` at a time and share the client's rate limiter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.entsoe.items import DataType
from app.repositories.backfill_windows import BackfillWindowRepository, Interval
from app.services.collection import DataCollectionService
from app.services.results import CollectionSummary, WindowFailure, WindowResult, totals

Pair = tuple[str, DataType]


def _covered(window: Interval, done: Sequence[Interval]) -> bool:
    """Whether finished windows (sorted by start) cover ``window`` without a hole."""
    reach = window[0]
    for lo, hi in done:
        if lo > reach:
            break
        reach = max(reach, hi)
        if reach >= window[1]:
            return True
    return reach >= window[1]


@dataclass(slots=True)
class BackfillOutcome:
    """What a backfill did per (area, item): a summary for each pair it ran, and how many
    planned windows were skipped because a previous run had finished them."""

    pairs: list[Pair]
    summaries: dict[Pair, CollectionSummary]
    skipped: dict[Pair, int]
    not_run: list[Pair]
    duration_s: float

    @property
    def failures(self) -> list[tuple[str, str, WindowFailure]]:
        return [(s.area_code, s.data_type, e) for s in self.summaries.values() for e in s.errors]

    def totals(self) -> dict[str, Any]:
        total: dict[str, Any] = totals(list(self.summaries.values()))
        total["skipped"] = sum(self.skipped.values())
        total["duration_s"] = round(self.duration_s, 3)
        return total


def _failed(
    pair: Pair, start: datetime, end: datetime, windows: int, exc: Exception
) -> CollectionSummary:
    error = WindowFailure.of(start, end, exc)
    summary = CollectionSummary(pair[0], pair[1].value, start, end, status="failed")
    summary.windows_planned = summary.failed_windows = windows
    summary.errors.append(error)
    return summary


async def _collect_pair(
    service: DataCollectionService,
    pair: Pair,
    start: datetime,
    end: datetime,
    windows: Sequence[Interval],
    *,
    record_until: datetime,
    lock_wait: float,
    on_window: Callable[[WindowResult], None] | None,
) -> CollectionSummary:
    """One pair's unfinished windows as one collection; a rejected token stops it."""
    async with service.open_run(
        pair[0], pair[1], start, end, len(windows), trigger="backfill", lock_wait=lock_wait
    ) as run:
        if run.acquired:
            for window in windows:
                # Later windows may still change: fetched now, fetched again by a re-run.
                record = window[1] <= record_until
                result = await service.store_window(run, window, record_backfill=record)
                if on_window is not None:
                    on_window(result)
                if run.summary.aborted:
                    break
    return run.summary


async def run_backfill(
    service: DataCollectionService,
    pairs: Sequence[Pair],
    start: datetime,
    end: datetime,
    *,
    concurrency: int = 4,
    record_until: datetime | None = None,
    lock_wait: float = 30.0,
    on_plan: Callable[[int], None] | None = None,
    on_window: Callable[[WindowResult], None] | None = None,
) -> BackfillOutcome:
    """Collect every window of ``pairs`` over [start, end) not finished before, ``concurrency``
    pairs at a time. Windows ending at or before ``record_until`` (default: ``end``) are
    recorded as finished, each in its window's transaction. A rejected token stops the rest."""
    todo: dict[Pair, list[Interval]] = {}
    skipped: dict[Pair, int] = {}
    async with service.database.session() as session:
        repo = BackfillWindowRepository(session)
        for area, dt in pairs:
            planned = service.plan(dt, start, end)
            done = await repo.done(area, dt.value, start, end)
            todo[(area, dt)] = [w for w in planned if not _covered(w, done)]
            skipped[(area, dt)] = len(planned) - len(todo[(area, dt)])
    if on_plan is not None:
        on_plan(sum(len(w) for w in todo.values()))
    until = end if record_until is None else record_until
    began = time.monotonic()
    gate = asyncio.Semaphore(concurrency)
    stop = asyncio.Event()

    async def one(pair: Pair) -> CollectionSummary | None:
        async with gate:
            if stop.is_set() or not todo[pair]:
                return None
            try:
                summary = await _collect_pair(
                    service, pair, start, end, todo[pair],
                    record_until=until, lock_wait=lock_wait, on_window=on_window,
                )  # fmt: skip
            except Exception as exc:  # e.g. the database went away: list it, go on with the rest
                summary = _failed(pair, start, end, len(todo[pair]), exc)
            if summary.aborted:  # the token was rejected: every other pair would fail too
                stop.set()
            return summary

    results = await asyncio.gather(*(one(p) for p in pairs))
    ran = list(zip(pairs, results, strict=True))
    return BackfillOutcome(
        pairs=list(pairs),
        summaries={p: s for p, s in ran if s is not None},
        skipped=skipped,
        # A pair skipped because another collection held its lock past lock_wait did nothing.
        not_run=[p for p, s in ran if (s is None or s.status == "skipped") and todo[p]],
        duration_s=time.monotonic() - began,
    )
