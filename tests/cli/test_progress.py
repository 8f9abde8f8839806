"""The backfill's progress line on a terminal: never wider than it, the percentage always shown."""

from __future__ import annotations

import io
import os
import re
import shutil
from datetime import UTC, datetime

import pytest

from app.cli.progress import Progress
from app.services.results import WindowFailure, WindowResult

_START, _END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True

    def lines(self) -> list[str]:
        """What each redraw left on the screen (a redraw starts with CR and erase-line)."""
        return [s.rstrip("\n") for s in self.getvalue().split("\r\x1b[2K") if s.strip("\n")]


def _columns(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setattr(
        shutil, "get_terminal_size", lambda *a, **k: os.terminal_size((columns, 24))
    )


def _busy(stream: _Terminal) -> Progress:
    bar = Progress(0, stream)
    bar.every = 0.0  # redraw at every window
    bar.start(12_345)
    return bar


def _window(points: int, failed: bool = False) -> WindowResult:
    failure = WindowFailure.of(_START, _END, RuntimeError("boom")) if failed else None
    return WindowResult("FR", "actual", _START, _END, requests=3, points=points, failure=failure)


@pytest.mark.parametrize("columns", [6, 12, 30, 45, 60, 80])
def test_every_redraw_fits_a_narrow_terminal_and_shows_the_percentage(
    monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    _columns(monkeypatch, columns)
    stream = _Terminal()
    bar = _busy(stream)
    for i in range(40):
        bar.update(_window(1_234_567, failed=i % 7 == 0))
    bar.close()

    lines = stream.lines()
    assert len(lines) == 41  # the plan, then one a window
    for line in lines:
        assert len(line) < columns, line  # the last column stays free: no wrap
        assert re.search(r"\b\d{1,3}%", line), line


def test_a_resize_is_followed_at_the_next_redraw(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _Terminal()
    _columns(monkeypatch, 200)
    bar = _busy(stream)
    bar.update(_window(10))
    _columns(monkeypatch, 40)
    bar.update(_window(10))
    wide, narrow = stream.lines()[-2:]
    assert len(wide) > 40 and "requests" in wide and wide.startswith("[")
    assert len(narrow) < 40 and "0% 2/12345 windows" in narrow


def test_a_wide_terminal_shows_everything() -> None:
    bar = Progress(4, io.StringIO())
    for _ in range(2):
        bar.update(_window(1_000, failed=True))
    line = bar.line(200)
    assert line.startswith("[############------------] 50% 2/4 windows | 2,000 points")
    assert "6 requests" in line and "2 failed" in line and "ETA " in line
    assert bar.line() == line  # no width: whole


def test_the_failed_count_outlasts_points_and_requests() -> None:
    bar = Progress(4, io.StringIO())
    bar.update(_window(1_000, failed=True))
    line = bar.line(45)
    assert "1 failed" in line and "points" not in line and "requests" not in line
    assert "25% 1/4 windows" in line
    assert len(line) <= 45


def test_a_log_gets_the_whole_line(monkeypatch: pytest.MonkeyPatch) -> None:
    _columns(monkeypatch, 20)
    stream = io.StringIO()  # not a terminal: nothing to wrap, nothing is cut
    bar = Progress(0, stream)
    bar.start(3)
    assert stream.getvalue() == bar.line() + "\n"
    assert "requests" in stream.getvalue() and len(stream.getvalue()) > 20
