"""TimeSeries of actual generation (A75) and installed capacity (A68) as the sandbox publishes them.

Actual generation is published like actual load (up to ``actual_lag`` before the clock, gaps
and revised hours from the config's shares, PT60M or PT15M per local day as for load), one
TimeSeries per production type and run of consecutive intervals: a gap (an hour the whole
area's data is missing) starts a new TimeSeries of every type, a resolution change a new
Period. All generation series (inBiddingZone) come first, in psrType order, then pumped
storage consumption (outBiddingZone, B10), as in the real ES document. Installed capacity: one
TimeSeries per year and type, one P1Y point each, from 15 December of the year before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.entsoe.areas import Area
from app.entsoe.items import IN, OUT, DataType
from app.sandbox import timeline as tl
from app.sandbox.config import SandboxConfig
from app.sandbox.generation_mix import WIND_A93_AREAS, capacity, types_in_year, types_on
from app.sandbox.generation_model import Day, GenerationModel, generation_day, generation_model
from app.sandbox.generator import quantity_text, quantity_texts
from app.sandbox.series import Period, Runs, Series, hours_in, wholly_inside

PUMPED = "B10"


@dataclass(frozen=True, slots=True)
class Ask:
    """One generation request: local ``days`` [first, stop) to generate, ``window`` (epoch
    seconds) to cut to, the clock reading, and the production type asked for (None: all)."""

    config: SandboxConfig
    area: Area
    days: tuple[date, date]
    window: tuple[int, int]
    now_s: float
    psr: str | None = None

    @property
    def model(self) -> GenerationModel:
        return generation_model(self.config.seed, self.area.code)

    def types(self, day: date, among: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """The area's types on ``day`` (optionally only those ``among``), narrowed to ``psr``."""
        return tuple(
            t
            for t in types_on(self.area.code, day)
            if (self.psr is None or t == self.psr) and (among is None or t in among)
        )


def business_type(area_code: str, psr: str) -> str:
    """A01 (production); Nordic TSOs mark wind A93 in A75, as Fingrid's documents do."""
    return "A93" if psr in ("B18", "B19") and area_code in WIND_A93_AREAS else "A01"


def revise_mw(cents: int, change: float) -> int:
    """A revised value, still whole MW (zero stays zero)."""
    return int(cents * (1.0 + change) / 100 + 0.5) * 100


def actual_generation(ask: Ask) -> tuple[list[Series], int]:
    """(series, revisionNumber) of A75 for ``ask``; values do not depend on the window."""
    config, zone, code = ask.config, ask.area.zone, ask.area.code
    lag = config.actual_lag.total_seconds()
    delay = config.revision_delay.total_seconds()
    lo, hi = ask.window
    made: dict[tuple[str, str], Runs] = {}
    revised = False
    day_start = int(tl.local_time(zone, ask.days[0]).timestamp())
    for day in tl.days(*ask.days):
        day_end = int(tl.local_time(zone, day + tl.ONE_DAY).timestamp())
        minutes = config.resolution_minutes(code, day)
        step = minutes * 60
        n = (day_end - day_start) // step
        available = min(n, int((ask.now_s - lag - day_start) // step))
        if available <= 0 or day_start >= hi:
            break
        inside = wholly_inside(day_start, step, available, lo, hi)
        types = ask.types(day)
        if inside and types:
            values, consumption = generation_day(
                ask.model, Day.of(zone, day, day_start, n, minutes), types
            )
            gaps = hours_in(config.seed, f"{code}/generation", "gaps", config.gap_share,
                             day_start, day_end)  # fmt: skip
            changes = hours_in(config.seed, code, DataType.GENERATION.value,
                                config.revision_share, day_start, day_end)  # fmt: skip
            segments, edits = _segments(
                inside, day_start, step, gaps, changes, lag + delay, ask.now_s
            )
            revised = revised or bool(edits)
            columns = [(IN, psr, cents) for psr, cents in values.items()]
            if consumption is not None:
                columns.append((OUT, PUMPED, consumption))
            for direction, psr, cents in columns:
                runs = made.get((direction, psr))
                if runs is None:
                    runs = made[direction, psr] = Runs(business_type(code, psr), psr, direction)
                for first, stop in segments:
                    block = cents[first:stop]
                    for i, change in edits.items():
                        if first <= i < stop:
                            block[i - first] = revise_mw(block[i - first], change)
                    runs.add(day_start + first * step, step, quantity_texts(block))
        if available < n:
            break
        day_start = day_end
    out: list[Series] = []
    for key in sorted(made, key=lambda k: (k[0] != IN, k[1])):
        made[key].close()
        out.extend(made[key].series)
    return out, 2 if revised else 1


def _segments(
    inside: range,
    day_start: int,
    step: int,
    gaps: dict[int, float],
    changes: dict[int, float],
    wait: float,
    now_s: float,
) -> tuple[list[tuple[int, int]], dict[int, float]]:
    """Runs [first, stop) of ``inside`` outside gap hours, and the revised intervals (those of a
    revised hour already republished ``wait`` after their end) with their change."""
    if not gaps and not changes:  # the common case, without a loop in Python
        return [(inside.start, inside.stop)], {}
    segments: list[tuple[int, int]] = []
    edits: dict[int, float] = {}
    first = inside.start
    for i in inside:
        t = day_start + i * step
        hour = t // 3600
        if hour in gaps:
            if i > first:
                segments.append((first, i))
            first = i + 1
            continue
        change = changes.get(hour)
        if change is not None and t + step + wait <= now_s:
            edits[i] = change
    if inside.stop > first:
        segments.append((first, inside.stop))
    return segments, edits


def installed_capacity(ask: Ask) -> list[Series]:
    """One A37 TimeSeries per published year and type with its single P1Y point (whole MW)."""
    zone, code = ask.area.zone, ask.area.code
    first, stop = ask.days
    out: list[Series] = []
    # A year that begins before ``first`` (the area's first date) is not served.
    for year in range(first.year if (first.month, first.day) == (1, 1) else first.year + 1,
                      stop.year):  # fmt: skip
        if tl.year_ahead_published(zone, year).timestamp() > ask.now_s:
            break
        start = tl.local_time(zone, date(year, 1, 1))
        end = tl.local_time(zone, date(year + 1, 1, 1))
        for psr in types_in_year(code, year):
            if ask.psr is None or psr == ask.psr:
                text = quantity_text(capacity(code, psr, year) * 100)
                period = Period.calendar([start], end, "P1Y", [text])
                out.append(Series("A37", [period], psr, IN))
    return out
