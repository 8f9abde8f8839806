"""TimeSeries and Periods of actual and day-ahead load (PT15M/PT60M) as the sandbox publishes them.

Times are epoch seconds (UTC) here: this is the hot path of every reply, and integers keep it
cheap. Values are generated for whole local days, then cut to the request. Actual load: one
TimeSeries per run of consecutive published intervals (a gap starts a new one), a new Period
inside it where the resolution changes. Day-ahead: one TimeSeries per local day, as ENTSO-E
writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import ClassVar

from app.domain.timegrid import FIXED_STEPS
from app.entsoe.areas import Area
from app.entsoe.items import OUT, DataType
from app.sandbox import timeline as tl
from app.sandbox.config import SandboxConfig
from app.sandbox.generator import (
    AreaModel,
    gap_hours,
    load_day,
    quantity_texts,
    revise,
    revised_hours,
)

# The resolutions the sandbox publishes, by step in seconds (hourly as ENTSO-E writes it: PT60M).
_RESOLUTIONS = {int(FIXED_STEPS[r].total_seconds()): r for r in ("PT15M", "PT60M")}


@dataclass(frozen=True, slots=True)
class Period:
    """Consecutive positions 1..n; ``step`` seconds apart (PT) or at ``calendar_starts``."""

    start: int
    end: int
    resolution: str
    quantities: list[str]
    step: int = 0
    calendar_starts: tuple[int, ...] = ()

    @classmethod
    def calendar(
        cls, instants: list[datetime], end: datetime, resolution: str, texts: list[str]
    ) -> Period:
        starts = tuple(int(t.timestamp()) for t in instants)
        return cls(starts[0], int(end.timestamp()), resolution, texts, 0, starts)

    def starts(self) -> range | tuple[int, ...]:
        if self.step:
            return range(self.start, self.end, self.step)
        return self.calendar_starts


@dataclass(frozen=True, slots=True)
class Series:
    """One TimeSeries: ``psr_type`` "" for load and totals; ``direction`` "in" or "out" (which
    BiddingZone element it names)."""

    business_type: str
    periods: list[Period]
    psr_type: str = ""
    direction: str = OUT


class Runs:
    """Collects blocks of PT points into TimeSeries (split at holes) and Periods (at steps)."""

    NOTHING: ClassVar[int] = -1

    def __init__(
        self, business_type: str = "A04", psr_type: str = "", direction: str = OUT
    ) -> None:
        self.business_type, self.psr_type, self.direction = business_type, psr_type, direction
        self.series: list[Series] = []
        self.last_end = self.NOTHING  # end of the last interval added, epoch seconds
        self._periods: list[Period] = []
        self._start = self._step = 0
        self._texts: list[str] = []

    def add(self, start: int, step: int, texts: list[str]) -> None:
        if not texts:
            return
        if start != self.last_end:
            self.close()
        elif step != self._step:
            self._close_period()
        if not self._texts:
            self._start, self._step = start, step
        self._texts.extend(texts)
        self.last_end = start + step * len(texts)

    def _close_period(self) -> None:
        if self._texts:
            end = self._start + self._step * len(self._texts)
            resolution = _RESOLUTIONS[self._step]
            self._periods.append(Period(self._start, end, resolution, self._texts, self._step))
            self._texts = []

    def close(self) -> None:
        self._close_period()
        if self._periods:
            self.series.append(
                Series(self.business_type, self._periods, self.psr_type, self.direction)
            )
            self._periods = []


def hours_in(
    seed: int, area: str, kind: str, share: float, start: int, end: int
) -> dict[int, float]:
    """Gap (``kind`` "gaps", value 0) or revised hours (with their change) within [start, end)."""
    if share <= 0.0:
        return {}
    lo, hi = start // 3600, (end + 3599) // 3600
    out: dict[int, float] = {}
    for year in range(_utc_year(start), _utc_year(end - 1) + 1):
        if kind == "gaps":
            out.update((h, 0.0) for h in gap_hours(seed, area, year, share) if lo <= h < hi)
        else:
            changes = revised_hours(seed, area, kind, year, share)
            out.update((h, c) for h, c in changes.items() if lo <= h < hi)
    return out


def _utc_year(epoch: int) -> int:
    return datetime.fromtimestamp(epoch, UTC).year


def wholly_inside(day_start: int, step: int, n: int, lo: int, hi: int) -> range:
    """Indices of the day's ``n`` intervals lying wholly inside [lo, hi) (epoch seconds)."""
    first = max(0, -((day_start - lo) // step))  # ceil((lo - day_start) / step)
    return range(first, max(first, min(n, (hi - day_start) // step)))


def actual_series(
    config: SandboxConfig,
    area: Area,
    model: AreaModel,
    days: tuple[date, date],
    window: tuple[int, int],
    now_s: float,
) -> tuple[list[Series], int]:
    """(series, revisionNumber) of actual load on the local ``days`` [first, stop), cut to the
    intervals inside ``window`` (epoch seconds). Values do not depend on the window."""
    zone, code, seed = area.zone, area.code, config.seed
    lag = config.actual_lag.total_seconds()
    delay = config.revision_delay.total_seconds()
    lo, hi = window
    runs = Runs()
    revised = False
    day_start = int(tl.local_time(zone, days[0]).timestamp())
    for day in tl.days(*days):
        day_end = int(tl.local_time(zone, day + tl.ONE_DAY).timestamp())
        republished = day_end + lag + delay <= now_s
        minutes = config.resolution_minutes(code, day, republished=republished)
        step = minutes * 60
        n = (day_end - day_start) // step
        available = min(n, int((now_s - lag - day_start) // step))
        if available <= 0 or day_start >= hi:
            break
        inside = wholly_inside(day_start, step, available, lo, hi)
        if inside:
            revised = revised or minutes != config.resolution_minutes(code, day)
            cents = load_day(model, zone, day, day_start, n, minutes, False)
            gaps = hours_in(seed, code, "gaps", config.gap_share, day_start, day_end)
            changes = hours_in(
                seed, code, DataType.ACTUAL.value, config.revision_share, day_start, day_end
            )
            block_start, block = day_start + inside.start * step, list[int]()
            if not gaps and not changes:  # the common case, without a loop in Python
                block = cents[inside.start : inside.stop]
            else:
                for i in inside:
                    c, t = cents[i], day_start + i * step
                    hour = t // 3600
                    if hour in gaps:
                        runs.add(block_start, step, quantity_texts(block))
                        block_start, block = t + step, []
                        continue
                    change = changes.get(hour)
                    if change is not None and t + step + lag + delay <= now_s:  # republished
                        c = revise(c, change)
                        revised = True
                    block.append(c)
            runs.add(block_start, step, quantity_texts(block))
        if available < n:
            break
        day_start = day_end
    runs.close()
    return runs.series, 2 if revised else 1


def day_ahead_series(
    config: SandboxConfig,
    area: Area,
    model: AreaModel,
    days: tuple[date, date],
    window: tuple[int, int],
    now_s: float,
) -> tuple[list[Series], int]:
    """(series, revisionNumber) of the day-ahead forecast on the local ``days``, cut to the
    intervals inside ``window`` (epoch seconds); one TimeSeries per local day."""
    zone, code = area.zone, area.code
    delay = config.revision_delay.total_seconds()
    lo, hi = window
    runs = Runs()
    revised = False
    for day in tl.days(*days):
        published = tl.day_ahead_published(zone, day).timestamp()
        if published > now_s:
            break
        day_start = int(tl.local_time(zone, day).timestamp())
        day_end = int(tl.local_time(zone, day + tl.ONE_DAY).timestamp())
        republished = published + delay <= now_s
        minutes = config.resolution_minutes(code, day, republished=republished)
        step = minutes * 60
        n = (day_end - day_start) // step
        inside = wholly_inside(day_start, step, n, lo, hi)
        if not inside:
            continue
        revised = revised or minutes != config.resolution_minutes(code, day)
        cents = load_day(model, zone, day, day_start, n, minutes, True)[inside.start : inside.stop]
        changes = hours_in(
            config.seed, code, DataType.DAY_AHEAD.value, config.revision_share, day_start, day_end
        )
        if changes and published + delay <= now_s:
            start = day_start + inside.start * step
            hours = [(start + i * step) // 3600 for i in range(len(cents))]
            revised = revised or any(h in changes for h in hours)
            cents = [
                revise(c, changes[h]) if h in changes else c
                for c, h in zip(cents, hours, strict=True)
            ]
        runs.add(day_start + inside.start * step, step, quantity_texts(cents))
        runs.close()
    return runs.series, 2 if revised else 1
