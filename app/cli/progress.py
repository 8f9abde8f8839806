"""What `energy-data-service backfill` shows: a progress line on stderr and tables on stdout.

Plain text, no dependency. On a terminal the progress line redraws in place a few times a
second; otherwise (logs, CI) it is printed as a new line every few seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from app.services.results import WindowResult

_BAR = 24


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

    def line(self) -> str:
        elapsed = self.elapsed()
        share = self.done / self.total if self.total else 1.0
        filled = int(share * _BAR)
        eta = elapsed / self.done * (self.total - self.done) if self.done else None
        parts = [
            f"[{'#' * filled}{'-' * (_BAR - filled)}] {self.done}/{self.total} windows",
            f"{self.points:,} points",
            f"{self.requests:,} requests",
        ]
        if self.failed:
            parts.append(f"{self.failed} failed")
        parts.append(f"ETA {_duration(eta)}" if eta is not None else "ETA ?")
        return " | ".join(parts)

    def render(self) -> None:
        if not self.enabled:
            return
        if self.tty:
            self.stream.write("\r\x1b[2K" + self.line())
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
