"""TimeSeries of the wind and solar forecasts (A69) and the day-ahead generation forecast (A71).

Both come as one TimeSeries per local day (and per type for A69, B16 solar A94 then wind A93,
as Fingrid's documents), like day-ahead load. A forecast is the actual generation of that
interval with a persistent error (AR(1) per quarter-hour) whose size shrinks from day-ahead
to intraday to current; solar stays zero at night, and no forecast exceeds the capacity.
Day-ahead (A69 A01, A71) is published for a day at 18:00 local the day before and revised like
day-ahead load; intraday (A40) and current (A18) roll: they cover up to a few hours or a day
after the clock's last full hour, so their last day is partial and the document ends there.
The A71 generation forecast is the sum over all types; its consumption series (outBiddingZone)
is the pumped storage's planned consumption, in areas that have pumped storage.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from app.entsoe.items import IN, OUT, DataType
from app.sandbox import timeline as tl
from app.sandbox.generation_mix import capacity, types_on
from app.sandbox.generation_model import Day, generation_day
from app.sandbox.generation_series import Ask, revise_mw
from app.sandbox.generator import NOISE_N, quantity_texts, revise
from app.sandbox.series import Runs, Series, hours_in, wholly_inside

WIND_SOLAR = ("B16", "B18", "B19")
# Relative forecast error (one standard deviation) of wind and of solar, per process.
ERRORS: dict[DataType, tuple[float, float]] = {
    DataType.WIND_SOLAR_DAY_AHEAD: (0.18, 0.12),
    DataType.WIND_SOLAR_INTRADAY: (0.09, 0.06),
    DataType.WIND_SOLAR_CURRENT: (0.045, 0.03),
}
_SHIFT = {DataType.WIND_SOLAR_DAY_AHEAD: 1117, DataType.WIND_SOLAR_INTRADAY: 2339,
          DataType.WIND_SOLAR_CURRENT: 3571, DataType.GENERATION_FORECAST: 4793}  # fmt: skip
_ROLLING = {
    DataType.WIND_SOLAR_INTRADAY: tl.INTRADAY_AHEAD,
    DataType.WIND_SOLAR_CURRENT: tl.CURRENT_AHEAD,
}


def published_end(data_type: DataType, now: datetime) -> datetime | None:
    """Where a rolling forecast (intraday, current) ends at ``now``; None for the others."""
    ahead = _ROLLING.get(data_type)
    return None if ahead is None else tl.rolling_forecast_end(now, ahead)


def forecast_series(ask: Ask, data_type: DataType) -> tuple[list[Series], int]:
    """(series, revisionNumber) of A69 (``data_type`` one of the wind/solar ones) or A71."""
    config, zone, code = ask.config, ask.area.zone, ask.area.code
    delay = config.revision_delay.total_seconds()
    model, lo, hi = ask.model, *ask.window
    error = model.error
    shift = _SHIFT[data_type]
    end = published_end(data_type, datetime.fromtimestamp(ask.now_s, UTC))
    limit = int(end.timestamp()) if end is not None else None
    out: list[Series] = []
    revised = False
    for day in tl.days(*ask.days):
        day_start = int(tl.local_time(zone, day).timestamp())
        day_end = int(tl.local_time(zone, day + tl.ONE_DAY).timestamp())
        published = tl.generation_forecast_published(zone, day).timestamp()
        if published > ask.now_s if limit is None else day_start >= limit:
            break
        minutes = config.resolution_minutes(code, day)
        step = minutes * 60
        n = (day_end - day_start) // step
        available = n if limit is None else min(n, (limit - day_start) // step)
        inside = wholly_inside(day_start, step, available, lo, hi)
        if data_type is DataType.GENERATION_FORECAST:
            types = types_on(code, day)  # a total over every type: psrType does not narrow it
        else:
            types = tuple(t for t in ask.types(day, WIND_SOLAR) if capacity(code, t, day.year))
        if not inside or not types:
            continue
        d = Day.of(zone, day, day_start, n, minutes)
        values, consumption = generation_day(model, d, types)
        qs = d.quarters[inside.start : inside.stop]
        start = day_start + inside.start * step
        edits: dict[int, float] = {}
        if data_type in (DataType.WIND_SOLAR_DAY_AHEAD, DataType.GENERATION_FORECAST):
            changes = hours_in(config.seed, code, data_type.value, config.revision_share,
                                day_start, day_end)  # fmt: skip
            if changes and published + delay <= ask.now_s:
                hours = ((start + i * step) // 3600 for i in range(len(inside)))
                edits = {i: changes[h] for i, h in enumerate(hours) if h in changes}
                revised = revised or bool(edits)
        columns: list[tuple[str, str, str, list[int]]] = []
        if data_type is DataType.GENERATION_FORECAST:
            totals = [sum(column) for column in zip(*values.values(), strict=True)]
            total = _near(totals[inside.start : inside.stop], qs, error, (0, shift), 0.02)
            columns.append((IN, "", "A01", _revised(total, edits, revise)))
            if consumption is not None:
                use = _near(
                    consumption[inside.start : inside.stop], qs, error, (7, shift + 7), 0.08
                )
                columns.append((OUT, "", "A01", _revised(use, edits, revise)))
        else:
            wind, solar = ERRORS[data_type]
            for psr in types:
                top = capacity(code, psr, day.year) * 100
                # Offsets by type, so narrowing to one psrType changes no value.
                shared = 613 * int(psr[1:])
                cents = _near(values[psr][inside.start : inside.stop], qs, error,
                              (shared, shared + shift),
                              solar if psr == "B16" else wind)  # fmt: skip
                whole = [min(top, int(c / 100 + 0.5) * 100) for c in cents]
                whole = [min(top, c) for c in _revised(whole, edits, revise_mw)]
                columns.append((IN, psr, "A94" if psr == "B16" else "A93", whole))
        for direction, psr, bt, cents in columns:
            runs = Runs(bt, psr, direction)
            runs.add(start, step, quantity_texts(cents))
            runs.close()
            out.extend(runs.series)
    return out, 2 if revised else 1


def _near(
    actual: list[int],
    quarters: list[int],
    error: list[float],
    offsets: tuple[int, int],
    size: float,
) -> list[int]:
    """``actual`` (cents) with a relative error of deviation ``size``: two readings of the
    error table, one shared by the forecasts of a type at one time (so day-ahead, intraday and
    current agree with each other) and one of their own; never negative, zero stays zero."""
    n, (shared, own) = NOISE_N, offsets
    return [
        max(0, int(c * (1.0 + size * (0.8 * error[(q + shared) % n]
                                      + 0.6 * error[(q + own) % n])) + 0.5))
        for c, q in zip(actual, quarters, strict=True)
    ]  # fmt: skip


def _revised(
    cents: list[int], edits: dict[int, float], how: Callable[[int, float], int]
) -> list[int]:
    if not edits:
        return cents
    return [how(c, edits[i]) if i in edits else c for i, c in enumerate(cents)]
