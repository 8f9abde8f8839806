"""What `energy-data-service backfill` shows: a progress line on stderr, tables on stdout, and
the summary however the backfill ends (:func:`report`). A pair's data type is its request's,
with what the request also stores (``generation+generation_consumption``).

Plain text, no dependency. On a terminal the progress line redraws in place a few times a
second, cut to the terminal's width (read at each redraw, so a resize is followed): a wrapped
line could not be redrawn by ``\r``. Otherwise (logs, CI) it is printed whole as a new line
every few seconds.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from app.services.backfill import BackfillOutcome
from app.services.results import WindowResult
from app.services.selection import label, stored_by

_BAR = 24
_MIN_BAR = 5  # narrower than this the bar says nothing the percentage does not


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


class Progress:
    """Counts finished windows, points and requests; :meth:`update` is the backfill's callback."""

    def __init__(
        self, total_windows: int, stream: TextIO | None = None, *, enabled: bool = True
    ) -> None:
        self.total = total_windows
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.every = 0.2 if self.tty else 5.0
        self.done = self.points = self.requests = self.failed = 0
        self.started = time.monotonic()
        self._last = 0.0

    def start(self, total_windows: int) -> None:
        """The plan is known: ``total_windows`` to fetch; the clock (for the ETA) starts now."""
        self.total = total_windows
        self.started = time.monotonic()
        if total_windows:
            self.render()

    def skip(self, windows: int) -> None:
        """``windows`` of the plan need no fetching after all (a concurrent run finished them)."""
        self.total = max(self.done, self.total - windows)
        self.render()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def update(self, window: WindowResult) -> None:
        self.done += 1
        self.points += window.points
        self.requests += window.requests
        self.failed += window.failure is not None
        now = time.monotonic()
        if now - self._last >= self.every or self.done == self.total:
            self._last = now
            self.render()

    def line(self, width: int | None = None) -> str:
        """The progress line, at most ``width`` characters if given: the bar narrows and goes
        first, then requests, points, the ETA and the failed count, then the end is cut. The
        percentage leads once the bar is gone, so 4 columns still show it."""
        share = min(1.0, self.done / self.total) if self.total else 1.0
        eta = self.elapsed() / self.done * (self.total - self.done) if self.done else None
        # Shown in list order; (rank, text): the highest rank goes first when it is too wide.
        parts = [(0, f"{int(share * 100)}% {self.done}/{self.total} windows")]
        parts += [(3, f"{self.points:,} points"), (4, f"{self.requests:,} requests")]
        if self.failed:
            parts.append((1, f"{self.failed} failed"))
        parts.append((2, f"ETA {_duration(eta)}" if eta is not None else "ETA ?"))
        while True:
            text = " | ".join(part for _, part in parts)
            bar = _BAR if width is None else min(_BAR, width - len(text) - 3)
            if bar >= _MIN_BAR:
                filled = int(share * bar)
                return f"[{'#' * filled}{'-' * (bar - filled)}] {text}"
            if width is None or len(text) <= width:
                return text
            if len(parts) == 1:
                return text[: max(width, 0)]
            parts.remove(max(parts))

    def render(self) -> None:
        if not self.enabled:
            return
        if self.tty:
            # Never wider than the terminal: the last column is left free, since writing into
            # it makes some terminals wrap at once. Read each time: the window may be resized.
            width = max(1, shutil.get_terminal_size().columns - 1)
            self.stream.write("\r\x1b[2K" + self.line(width))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table: first columns left-aligned text, numbers right-aligned."""
    cells = [[f"{v:,}" if isinstance(v, int) else str(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def fmt(values: Sequence[str], numeric: Sequence[bool]) -> str:
        return "  ".join(
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ).rstrip()

    numeric = [
        all(isinstance(row[i], int) for row in rows) and bool(rows) for i in range(len(headers))
    ]
    lines = [fmt(headers, numeric), fmt(["-" * w for w in widths], [False] * len(widths))]
    lines += [fmt(r, numeric) for r in cells]
    return "\n".join(lines)


# (header, CollectionSummary attribute, key in totals())
_COLUMNS = (
    ("windows", "windows", "windows"),
    ("requests", "requests", "requests"),
    ("inserted", "inserted", "inserted"),
    ("updated", "updated", "updated"),
    ("unchanged", "unchanged", "unchanged"),
    ("empty", "empty_windows", "empty_windows"),
    ("failed", "failed_windows", "failed"),
)


def _stop_reason(outcome: BackfillOutcome) -> tuple[str, str] | None:
    """(key, one line) for a failure that stopped the backfill early, if one did."""
    failure = outcome.stopped_by
    if failure is None:
        return None
    if failure.outage:
        return "database_unavailable", f"cannot use the database: {failure.message}"
    return "token_rejected", f"ENTSO-E rejected the token: {failure.message}"


def report(
    outcome: BackfillOutcome, as_json: bool, *, stopped: tuple[str, str] | None = None
) -> None:
    """The summary so far: the table (or one JSON object) on stdout; failed windows, what
    stopped the backfill and how to resume on stderr. ``stopped``: (key, line) of what ended it
    early from outside (Ctrl-C, an error), else what :attr:`BackfillOutcome.stopped_by` says."""
    stopped = stopped or _stop_reason(outcome)
    total = outcome.totals()
    failures = outcome.failures
    not_run = outcome.not_run
    if as_json:
        failed = [{"area": a, "data_type": t, **e.as_dict()} for a, t, e in failures]
        pairs = [
            {
                "area": area,
                "data_type": dt.value,
                "stores": list(stored_by(dt)),
                "status": outcome.status((area, dt)),
                "skipped": outcome.skipped.get((area, dt), 0),
                **{
                    key: getattr(outcome.summaries.get((area, dt)), attr, 0)
                    for _, attr, key in _COLUMNS
                },
            }
            for area, dt in outcome.pairs
        ]
        print(
            json.dumps(
                {
                    **total,
                    "pairs": pairs,
                    "failures": failed,
                    "not_run": [{"area": a, "data_type": t.value} for a, t in not_run],
                    "stopped": {"reason": stopped[0], "message": stopped[1]} if stopped else None,
                }
            )
        )
    else:
        rows: list[list[Any]] = []
        for pair in outcome.pairs:
            s = outcome.summaries.get(pair)
            counts = [getattr(s, attr) if s else 0 for _, attr, _ in _COLUMNS]
            skipped = outcome.skipped.get(pair, 0)
            rows.append([pair[0], label(pair[1]), skipped, *counts, outcome.status(pair)])
        rows.append(["total", "", total["skipped"], *(total[k] for _, _, k in _COLUMNS), ""])
        headers = ["area", "data type", "skipped", *(h for h, _, _ in _COLUMNS), "status"]
        print(table(headers, rows), flush=True)
    for area, dt, e in failures:
        span = f"{e.start:%Y-%m-%dT%H:%MZ}..{e.end:%Y-%m-%dT%H:%MZ}"
        print(f"failed: {area} {dt} {span}: {e.error}: {e.message}", file=sys.stderr)
    if not_run:
        names = ", ".join(f"{a} {t}" for a, t in not_run)
        print(f"not run: {names}", file=sys.stderr)
    if stopped is not None:
        print(f"stopped: {stopped[1]}", file=sys.stderr)
    if stopped is not None or failures or not_run:
        print(
            "to resume, run the same command again: the windows finished so far are skipped",
            file=sys.stderr,
        )
