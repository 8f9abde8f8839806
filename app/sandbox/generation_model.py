"""Deterministic, realistic generation per production type: a pure function of (seed, area, time).

Values are cents of whole MW (multiples of 100, as the platform publishes actual generation),
each ``installed capacity x capacity factor`` with the factor below 0.94, so a revision of up to
5 % never reaches the capacity of that local year (:mod:`app.sandbox.generation_mix`). Solar
follows the sun of the area's latitude and longitude (zero at night, a seasonal daily arc,
daily cloudiness); wind is a persistent AR(1) (quarter-hours, decorrelating over about a day)
stronger in winter; nuclear and lignite run flat with outages (unit-sized steps lasting days
to weeks); gas, coal and reservoir hydro follow the demand profile and give way to solar;
pumped storage generates at the morning and evening peaks and pumps at night and, in summer,
at midday (its consumption is a separate series). Randomness comes from per-area tables drawn
once from ``random.Random(f"{seed}/{area}/generation")`` and indexed by time, as for load.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.entsoe.areas import get_area
from app.sandbox.generation_mix import base_mix, capacity, coordinates
from app.sandbox.generator import DAY_N, HOLIDAYS, NOISE_N, WEEKEND_QH, WORKDAY_QH

_SEASON_REF = date(2000, 1, 15).toordinal()
_DISPATCH = {"B03": 0.30, "B04": 0.30, "B05": 0.35, "B06": 0.08, "B08": 0.40, "B12": 0.22}
_FLAT = {"B01": 0.62, "B07": 0.60, "B09": 0.80, "B13": 0.30, "B15": 0.30, "B17": 0.70, "B20": 0.35}
_OUTAGES = {"B14": (300, 20, 60), "B02": (120, 3, 20), "B05": (90, 2, 15)}  # 1/p, min, max days
_PUMP_GEN = (0, 0, 0, 0, 0, 0, .15, .5, .65, .45, .15, .05,
             .05, .05, .1, .2, .35, .6, .75, .7, .55, .3, .1, 0)  # fmt: skip
# Pumping takes about a third more energy than generating gives back.
_PUMP_USE = (.85, .95, .95, .9, .7, .3, 0, 0, 0, 0, .25, .5,
             .6, .55, .35, .05, 0, 0, 0, 0, 0, 0, .2, .5)  # fmt: skip
_PUMP_GEN_QH = tuple(_PUMP_GEN[q // 4] for q in range(96))
_PUMP_USE_QH = tuple(_PUMP_USE[q // 4] for q in range(96))
MAX_FACTOR = 0.94


def _circular_ar1(rng: random.Random, n: int, phi: float, sd: float) -> list[float]:
    """An AR(1) of stationary deviation ``sd`` that runs on smoothly from its end to its start
    (two laps of the recursion; phi**n is negligible), so a table read modulo n has no jump."""
    sigma = sd * math.sqrt(1 - phi * phi)
    e = [rng.gauss(0.0, sigma) for _ in range(n)]
    x, out = 0.0, []
    for i in range(2 * n):
        x = phi * x + e[i % n]
        if i >= n:
            out.append(x)
    return out


def _outages(
    rng: random.Random, units: int, every: int, shortest: int, longest: int
) -> list[float]:
    """Available share per day: each unit fails about once in ``every`` days for a while."""
    down = [0] * DAY_N
    for _ in range(units):
        day = rng.randrange(every)
        while day < DAY_N:
            length = rng.randint(shortest, longest)
            for d in range(day, min(day + length, DAY_N)):
                down[d] += 1
            day += length + rng.randrange(every // 2, every * 3 // 2)
    return [max(0.25, 1.0 - d / units) for d in down]


def _mean_one(values: list[float]) -> list[float]:
    """Scaled to a mean of exactly 1 (a persistent series' sample mean strays far from its
    expectation), so capacity factors are what the model says in every area and seed."""
    mean = sum(values) / len(values)
    return [v / mean for v in values]


@dataclass(frozen=True, slots=True)
class GenerationModel:
    code: str
    zone: ZoneInfo
    sun: tuple[float, float]  # latitude (radians), longitude (radians)
    wind: dict[str, list[float]]  # B18/B19: multiplicative factor per quarter-hour, mean 1
    noise: list[float]  # small relative noise per quarter-hour (AR(1), sd 1)
    error: list[float]  # forecast error per quarter-hour (AR(1), sd 1)
    clouds: list[float]  # clear-sky share per day
    level: list[float]  # pumped storage intensity per day
    available: dict[str, list[float]]  # thermal types: available share per day


@lru_cache(maxsize=256)
def generation_model(seed: int, area_code: str) -> GenerationModel:
    rng = random.Random(f"{seed}/{area_code}/generation")
    zone = get_area(area_code).zone
    lat, lon = coordinates(area_code, zone)
    onshore = _circular_ar1(rng, NOISE_N, 0.996, 0.75)
    own = _circular_ar1(rng, NOISE_N, 0.996, 0.75)
    wind = {
        "B19": _mean_one([math.exp(x) for x in onshore]),
        "B18": _mean_one([math.exp(0.8 * x + 0.6 * y) for x, y in zip(onshore, own, strict=True)]),
    }
    mix = base_mix(area_code)
    available = {
        psr: _outages(rng, max(1, min(20, mix[psr] // 900)), *_OUTAGES[psr])
        for psr in sorted(_OUTAGES)
        if mix.get(psr)
    }
    return GenerationModel(
        code=area_code,
        zone=zone,
        sun=(math.radians(lat), math.radians(lon)),
        wind=wind,
        noise=_circular_ar1(rng, NOISE_N, 0.9, 1.0),
        error=_circular_ar1(rng, NOISE_N, 0.97, 1.0),
        clouds=[min(1.0, max(0.12, 0.72 + 0.3 * x)) for x in _circular_ar1(rng, DAY_N, 0.6, 1)],
        level=[min(1.3, max(0.4, 1.0 + x)) for x in _circular_ar1(rng, DAY_N, 0.7, 0.2)],
        available=available,
    )


@dataclass(frozen=True, slots=True)
class Day:
    """One local day's grid: its intervals' quarter-hour indices (into the tables) and local
    quarter-hour of the day (for demand-shaped profiles), and the day's season."""

    day: date
    start: int  # epoch seconds
    n: int
    step: int  # seconds
    quarters: list[int]  # (epoch quarter-hour) % NOISE_N per interval
    slots: list[int] | range  # local quarter-hour of the day, 0..95, per interval
    season: float  # 1 in mid-January, -1 in mid-July

    @classmethod
    def of(cls, zone: ZoneInfo, day: date, start: int, n: int, minutes: int) -> Day:
        step, qstep = minutes * 60, minutes // 15
        q0 = start // 900
        if n * minutes == 1440:
            slots: list[int] | range = range(0, 96, qstep)
        else:  # a DST day: the wall clock skips or repeats an hour
            slots = []
            for i in range(n):
                wall = datetime.fromtimestamp(start + i * step, UTC).astimezone(zone)
                slots.append((wall.hour * 60 + wall.minute) // 15)
        season = math.cos(2 * math.pi * (day.toordinal() - _SEASON_REF) / 365.2425)
        quarters = [(q0 + i * qstep) % NOISE_N for i in range(n)]
        return cls(day, start, n, step, quarters, slots, season)


def solar_factors(model: GenerationModel, d: Day) -> list[float]:
    """Capacity factor of solar per interval (at its middle): 0 while the sun is down."""
    lat, lon = model.sun
    doy = d.day.timetuple().tm_yday
    decl = -0.4093 * math.cos(2 * math.pi * (doy + 10) / 365.0)
    a, b = math.sin(lat) * math.sin(decl), math.cos(lat) * math.cos(decl)
    clear = model.clouds[d.day.toordinal() % DAY_N] * 0.72
    noise, cos, tau = model.noise, math.cos, 2 * math.pi / 86400
    out = []
    for i, q in enumerate(d.quarters):
        middle = d.start + i * d.step + d.step // 2
        elevation = a + b * cos(tau * (middle % 86400) + lon - math.pi)
        if elevation < 0.02:
            out.append(0.0)
        else:
            factor = clear * elevation**1.25 * (1.0 + 0.08 * noise[(q + 4093) % NOISE_N])
            out.append(min(MAX_FACTOR, factor))
    return out


def _scaled(mw: int, factors: list[float]) -> list[int]:
    """Cents of whole MW; the factor capped at MAX_FACTOR keeps every value below capacity."""
    top = MAX_FACTOR
    return [int(mw * (f if f < top else top) + 0.5) * 100 for f in factors]


def generation_day(
    model: GenerationModel, d: Day, types: tuple[str, ...]
) -> tuple[dict[str, list[int]], list[int] | None]:
    """(cents per interval for each of ``types``, pumped storage consumption or None)."""
    year, ordinal = d.day.year, d.day.toordinal()
    s, noise, qs = d.season, model.noise, d.quarters
    weekend = d.day.weekday() >= 5 or (d.day.month, d.day.day) in HOLIDAYS
    shape = WEEKEND_QH if weekend else WORKDAY_QH
    demand = [shape[slot] - 0.97 for slot in d.slots]
    solar = solar_factors(model, d) if {"B16", *_DISPATCH} & set(types) else []
    spring = math.cos(2 * math.pi * (d.day.timetuple().tm_yday - 160) / 365.0)
    out: dict[str, list[int]] = {}
    consumption = None
    for psr in types:
        mw = capacity(model.code, psr, year)
        off = 977 * int(psr[1:])  # by type: a value must not depend on which types are asked
        if mw == 0:
            out[psr] = [0] * d.n
            continue
        avail = model.available[psr][ordinal % DAY_N] if psr in model.available else 1.0
        if psr == "B16":
            factors = solar
        elif psr in model.wind:
            mean = (0.36 if psr == "B18" else 0.21) * (1.0 + 0.3 * s)
            table = model.wind[psr]
            factors = [min(0.92, mean * table[q]) for q in qs]
        elif psr == "B14":
            base = avail * (0.90 + 0.03 * s)
            factors = [base * (1.0 + 0.002 * noise[(q + off) % NOISE_N]) for q in qs]
        elif psr == "B02":
            base = 0.70 + 0.08 * s
            factors = [
                avail * (base + 0.25 * m) * (1.0 + 0.005 * noise[(q + off) % NOISE_N])
                for m, q in zip(demand, qs, strict=True)
            ]
        elif psr in _DISPATCH:
            base = _DISPATCH[psr] + (0.06 if psr == "B12" else 0.12) * (
                spring if psr == "B12" else s
            )
            factors = [
                avail * min(0.9, max(0.03, base + 1.3 * m - 0.3 * sun))
                for m, sun in zip(demand, solar, strict=True)
            ]
        elif psr == "B11":
            base = 0.45 + 0.18 * spring
            factors = [base * (1.0 + 0.03 * noise[(q + off) % NOISE_N]) for q in qs]
        elif psr == "B10":
            level = model.level[ordinal % DAY_N]
            midday = level * (0.3 + 0.35 * (1.0 - s))
            factors = [level * _PUMP_GEN_QH[slot] for slot in d.slots]
            consumption = _scaled(
                mw,
                [(midday if 40 <= slot < 64 else level) * _PUMP_USE_QH[slot] for slot in d.slots],
            )
        else:
            base = _FLAT.get(psr, 0.5) * (0.97 if weekend else 1.0)
            factors = [base * (1.0 + 0.04 * noise[(q + off) % NOISE_N]) for q in qs]
        out[psr] = _scaled(mw, factors)
    return out, consumption
