"""A resumable backfill: every window of (area, item) pairs not finished by an earlier run.

Finished windows are rows of ``backfill_windows``, written in the same transaction as the
window's points (:meth:`app.services.collection.DataCollectionService.store_window`) and kept
per data source (a sandbox run finishes nothing for ENTSO-E), so a re-run after Ctrl-C, kill -9
or a database restart fetches exactly the windows that were not finished. Each pair is one
collection (its lock, its ``collection_runs`` row) over its unfinished windows, read again once
the lock is held: a concurrent backfill of the same pair may have finished some meanwhile.
Pairs run ``concurrency`` at a time and share the client's rate limiter. A rejected token or a
database outage stops the backfill: every further window would fail, or be fetched for nothing.

``refetch`` fetches every window again, finished or not, to pull revisions ENTSO-E published
since; each window is recorded again (its ``backfill_windows`` row is updated, not duplicated).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.entsoe.items import DataType
from app.repositories.backfill_windows import BackfillWindowRepository, Interval
from app.services.collection import DataCollectionService
from app.services.results import CollectionSummary, WindowFailure, WindowResult, totals
from app.services.selection import request_type

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
    """What a backfill did per (area, item), kept up to date while it runs, so that a caller
    it stops early (Ctrl-C cancels it, the database goes away) can still report the work done.

    ``summaries``: the collection of each pair that started (live while it runs). ``todo``:
    windows each planned pair had to fetch; ``skipped``: planned windows another run had
    finished (before, or while this one waited for the pair's lock). ``interrupted``: pairs
    whose collection was cancelled midway. ``stopped_by``: the failure that stopped the
    backfill early (a rejected token, a database outage), if one did.
    """

    pairs: list[Pair]
    summaries: dict[Pair, CollectionSummary] = field(default_factory=dict)
    todo: dict[Pair, int] = field(default_factory=dict)
    skipped: dict[Pair, int] = field(default_factory=dict)
    interrupted: list[Pair] = field(default_factory=list)
    stopped_by: WindowFailure | None = None
    duration_s: float = 0.0

    @property
    def failures(self) -> list[tuple[str, str, WindowFailure]]:
        return [(s.area_code, s.data_type, e) for s in self.summaries.values() for e in s.errors]

    @property
    def not_run(self) -> list[Pair]:
        """Pairs with windows to fetch whose collection never ran: not reached (not planned,
        or the backfill stopped first), or skipped because another collection held the lock
        past ``lock_wait``."""
        return [
            p
            for p in self.pairs
            if p not in self.interrupted
            and self.todo.get(p, 1)
            and (p not in self.summaries or self.summaries[p].status == "skipped")
        ]

    def status(self, pair: Pair) -> str:
        """The pair's state for a report: its collection's status, interrupted, not run, done."""
        if pair in self.interrupted:
            return "interrupted"
        if pair in self.summaries:
            return self.summaries[pair].status
        return "not run" if pair in self.not_run else "done"

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
    outcome: BackfillOutcome,
    *,
    record_until: datetime,
    lock_wait: float,
    refetch: bool,
    on_window: Callable[[WindowResult], None] | None,
    on_skip: Callable[[int], None] | None,
) -> None:
    """One pair's windows to fetch as one collection, its summary in ``outcome``; a rejected
    token or a database outage stops it."""
    remaining = list(windows)

    async def replan(session: AsyncSession) -> int:
        # Under the lock: whoever held it may have finished some of these windows meanwhile.
        if refetch:  # finished or not, every window is fetched again
            return len(remaining)
        repo = BackfillWindowRepository(session)
        done = await repo.done(*_key(pair), start, end, data_source=service.data_source)
        remaining[:] = [w for w in windows if not _covered(w, done)]
        return len(remaining)

    async with service.open_run(
        pair[0], pair[1], start, end, len(windows),
        trigger="backfill", lock_wait=lock_wait, replan=replan,
    ) as run:  # fmt: skip
        outcome.summaries[pair] = run.summary
        if not run.acquired:
            return
        if finished := len(windows) - len(remaining):
            outcome.skipped[pair] += finished
            if on_skip is not None:
                on_skip(finished)
        for window in remaining:
            # Later windows may still change: fetched now, fetched again by a re-run.
            record = window[1] <= record_until
            result = await service.store_window(run, window, record_backfill=record)
            if on_window is not None:
                on_window(result)
            if run.summary.aborted or (result.failure is not None and result.failure.outage):
                break


def _key(pair: Pair) -> tuple[str, str]:
    return pair[0], pair[1].value


async def run_backfill(
    service: DataCollectionService,
    pairs: Sequence[Pair],
    start: datetime,
    end: datetime,
    *,
    concurrency: int = 4,
    record_until: datetime | None = None,
    lock_wait: float = 30.0,
    refetch: bool = False,
    outcome: BackfillOutcome | None = None,
    on_plan: Callable[[int], None] | None = None,
    on_window: Callable[[WindowResult], None] | None = None,
    on_skip: Callable[[int], None] | None = None,
) -> BackfillOutcome:
    """Collect every window of ``pairs`` over [start, end) not finished before (from the
    service's data source), ``concurrency`` pairs at a time, into ``outcome`` (a new one if not
    given; pass one to keep what was done when this raises or is cancelled).

    A data type fetched with another's request stands for that request (asking for both makes one
    pair). With ``refetch``, windows finished before are fetched too (nothing is skipped). Windows
    ending at or before ``record_until`` (default: ``end``) are recorded as finished, each in its
    window's transaction (a finished one's row is updated). A rejected token or a database outage
    stops the rest. ``on_plan`` gets the number of windows to fetch, ``on_window`` each fetched
    window, ``on_skip`` how many planned windows a concurrent run finished while this one waited.
    """
    # One collection per request: (FR, generation) also stores FR's generation_consumption.
    pairs = list(dict.fromkeys((area, request_type(dt)) for area, dt in pairs))
    out = outcome if outcome is not None else BackfillOutcome(pairs)
    out.pairs = pairs
    until = end if record_until is None else record_until
    began = time.monotonic()
    todo: dict[Pair, list[Interval]] = {}
    gate = asyncio.Semaphore(concurrency)

    async def one(pair: Pair) -> None:
        async with gate:
            if out.stopped_by is not None or not todo[pair]:
                return
            try:
                await _collect_pair(
                    service, pair, start, end, todo[pair], out,
                    record_until=until, lock_wait=lock_wait, refetch=refetch,
                    on_window=on_window, on_skip=on_skip,
                )  # fmt: skip
            except asyncio.CancelledError:
                if pair in out.summaries:
                    out.interrupted.append(pair)
                raise
            except Exception as exc:  # e.g. the lock's connection failed: list it, go on
                live = out.summaries.get(pair)
                if live is None:
                    out.summaries[pair] = _failed(pair, start, end, len(todo[pair]), exc)
                else:  # keep what its windows did
                    live.errors.append(WindowFailure.of(start, end, exc))
                    live.status = "failed"
            # Every other pair would fail the same way (or fetch only to lose it): stop.
            stop = [e for e in out.summaries[pair].errors if e.fatal or e.outage]
            if stop and out.stopped_by is None:
                out.stopped_by = stop[0]

    try:
        async with service.database.session() as session:
            repo = BackfillWindowRepository(session)
            for pair in pairs:
                planned = service.plan(pair[1], start, end)
                done = (
                    []
                    if refetch
                    else await repo.done(*_key(pair), start, end, data_source=service.data_source)
                )
                todo[pair] = [w for w in planned if not _covered(w, done)]
                out.todo[pair] = len(todo[pair])
                out.skipped[pair] = len(planned) - len(todo[pair])
        if on_plan is not None:
            on_plan(sum(len(w) for w in todo.values()))
        # A task group, not gather: cancelled, it waits for every pair to close its run.
        async with asyncio.TaskGroup() as group:
            for pair in pairs:
                group.create_task(one(pair))
    finally:
        out.duration_s = time.monotonic() - began
    return out
