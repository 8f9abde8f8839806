"""Deterministic, realistic load values: a pure function of (seed, area, time).

Values are integer hundredths of a MW ("cents") until they are written: ``quantity_text``
renders them the way ENTSO-E does (at most two decimals, trailing zeros dropped). The shape is
a daily profile (workday or weekend/holiday), a weekday level, a seasonal cosine (peak in
mid-January) and seeded noise, scaled per area. Randomness comes from per-area tables drawn
once from ``random.Random(f"{seed}/{area}")`` (a str seed is hashed with SHA-512, so it does
not depend on PYTHONHASHSEED) and indexed by time, which keeps generation O(points) with a
small constant and makes a value independent of the request that asks for it.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

NOISE_N = 8191  # quarter-hours per noise table (prime, so it never lines up with days or weeks)
DAY_N = 1021  # days per day-level table
HOLD_SHARE = 0.03  # share of intervals repeating the previous value (what A03 leaves out)
HOLIDAYS = frozenset({(1, 1), (5, 1), (12, 25), (12, 26)})
_SEASON_REF = date(2000, 1, 15).toordinal()

# Mean load in MW; areas not listed get a stable value between 1 and 10 GW from their code.
MEAN_LOAD_MW: Mapping[str, float] = {
    "DE_LU": 57000, "DE_AT_LU": 63000, "DE": 56000, "DE_50HZ": 11500, "DE_AMPRION": 21000,
    "DE_TENNET": 16000, "DE_TRANSNET": 8000, "LU": 700, "AT": 7300, "FR": 52000, "NL": 12500,
    "BE": 9300, "CH": 7000, "ES": 28500, "PT": 5700, "GB": 33000, "UK": 34000, "GB_NIR": 950,
    "IE": 3500, "IE_SEM": 4500, "CZ": 7300, "PL": 19000, "SK": 3200, "HU": 5000, "SI": 1550,
    "HR": 2000, "RO": 6500, "BG": 4000, "GR": 5800, "RS": 4100, "ME": 430, "MK": 800,
    "BA": 1400, "AL": 850, "XK": 650, "TR": 37000, "CY": 550, "MT": 300, "UA": 14000,
    "UA_IPS": 13000, "UA_BEI": 600, "UA_DOBTPP": 400, "MD": 500, "GE": 1500, "BY": 4500,
    "RU": 110000, "RU_KGD": 500, "IT": 33000, "IT_NORD": 15500, "IT_CNOR": 3000,
    "IT_CSUD": 5000, "IT_SUD": 2500, "IT_SICI": 2100, "IT_SARD": 1050, "IT_CALA": 600,
    "IT_BRNN": 100, "IT_FOGN": 100, "IT_PRGP": 100, "IT_ROSN": 100, "IT_SACO_AC": 50,
    "IT_SACO_DC": 50, "DK": 4000, "DK_1": 2300, "DK_2": 1600, "DK_CA": 4000, "NO": 15500,
    "NO_1": 4200, "NO_2": 4100, "NO_3": 3100, "NO_4": 2200, "NO_5": 1900, "SE": 15500,
    "SE_1": 1100, "SE_2": 1700, "SE_3": 9500, "SE_4": 2700, "FI": 9200, "EE": 950, "LV": 800,
    "LT": 1400,
}  # fmt: skip

# Hourly shape (multiples of the day's level), interpolated to quarter-hours below.
_WORKDAY = (0.84, 0.82, 0.82, 0.82, 0.83, 0.87, 0.94, 1.01, 1.06, 1.08, 1.09, 1.10,
            1.09, 1.07, 1.06, 1.05, 1.05, 1.07, 1.09, 1.08, 1.04, 0.99, 0.93, 0.88)  # fmt: skip
_WEEKEND = (0.86, 0.84, 0.83, 0.82, 0.82, 0.82, 0.84, 0.88, 0.93, 0.98, 1.01, 1.03,
            1.03, 1.01, 0.98, 0.96, 0.96, 0.99, 1.03, 1.04, 1.02, 0.98, 0.93, 0.89)  # fmt: skip
_LEVEL = (1.0, 1.01, 1.01, 1.0, 0.98, 0.90, 0.84)  # Monday .. Sunday
_HOLIDAY_LEVEL = 0.82


def _quarters(hourly: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(
        hourly[h] + (hourly[(h + 1) % 24] - hourly[h]) * j / 4 for h in range(24) for j in range(4)
    )


WORKDAY_QH, WEEKEND_QH = _quarters(_WORKDAY), _quarters(_WEEKEND)
_SUFFIX = tuple("" if c == 0 else f".{c // 10}" if c % 10 == 0 else f".{c:02d}" for c in range(100))


def quantity_text(cents: int) -> str:
    """``735012`` -> ``"7350.12"``, ``735010`` -> ``"7350.1"``, ``735000`` -> ``"7350"``."""
    return f"{cents // 100}{_SUFFIX[cents % 100]}"


def quantity_texts(cents: list[int]) -> list[str]:
    suffix = _SUFFIX
    return [f"{c // 100}{suffix[c % 100]}" for c in cents]


@dataclass(frozen=True, slots=True)
class AreaModel:
    mean_mw: float
    noise: tuple[float, ...]  # relative noise of actual load, per quarter-hour (AR(1))
    forecast_noise: tuple[float, ...]  # relative day-ahead error, per quarter-hour
    day_noise: tuple[float, ...]  # relative level of each day (AR(1))
    day_error: tuple[float, ...]  # relative forecast error per day / week
    hold: bytes  # 1: this interval repeats the previous one


def _ar1(rng: random.Random, n: int, phi: float, sigma: float) -> tuple[float, ...]:
    x, out = 0.0, []
    for _ in range(n):
        x = phi * x + rng.gauss(0.0, sigma)
        out.append(x)
    return tuple(out)


@lru_cache(maxsize=256)
def area_model(seed: int, area_code: str) -> AreaModel:
    rng = random.Random(f"{seed}/{area_code}")
    mean = MEAN_LOAD_MW.get(area_code) or 1000.0 + zlib.crc32(area_code.encode()) % 9000
    return AreaModel(
        mean_mw=float(mean),
        noise=_ar1(rng, NOISE_N, 0.9, 0.002),
        forecast_noise=_ar1(rng, NOISE_N, 0.95, 0.003),
        day_noise=_ar1(rng, DAY_N, 0.7, 0.012),
        day_error=tuple(rng.gauss(0.0, 0.015) for _ in range(DAY_N)),
        hold=bytes(rng.random() < HOLD_SHARE for _ in range(NOISE_N)),
    )


def _day_level(model: AreaModel, day: date) -> tuple[float, bool]:
    """Cents the day's shape is scaled by (without day noise), and whether it is weekend-like."""
    ordinal = day.toordinal()
    season = 1.0 + 0.1 * math.cos(2 * math.pi * (ordinal - _SEASON_REF) / 365.2425)
    holiday = (day.month, day.day) in HOLIDAYS
    level = _HOLIDAY_LEVEL if holiday else _LEVEL[day.weekday()]
    return model.mean_mw * 100.0 * season * level, holiday or day.weekday() >= 5


def load_day(
    model: AreaModel, zone: ZoneInfo, day: date, start: int, n: int, minutes: int, forecast: bool
) -> list[int]:
    """Cents of actual (or, with ``forecast``, day-ahead) load for the ``n`` intervals of one
    local ``day`` beginning at epoch second ``start``, at a resolution of ``minutes``."""
    base, weekend = _day_level(model, day)
    level = base * (1.0 + model.day_noise[day.toordinal() % DAY_N])
    shape = WEEKEND_QH if weekend else WORKDAY_QH
    qstep = minutes // 15
    if n * minutes == 1440:
        slots: list[int] | range = range(0, 96, qstep)
    else:  # a DST day: the local wall clock skips or repeats an hour
        step = minutes * 60
        slots = []
        for i in range(n):
            wall = datetime.fromtimestamp(start + i * step, UTC).astimezone(zone)
            slots.append((wall.hour * 60 + wall.minute) // 15)
    q0 = start // 900
    noise = model.noise
    values = [
        level * shape[s] * (1.0 + noise[(q0 + i * qstep) % NOISE_N]) for i, s in enumerate(slots)
    ]
    k0 = start // (minutes * 60)
    if forecast:
        error = 1.0 + model.day_error[day.toordinal() % DAY_N]
        fnoise = model.forecast_noise
        values = [v * (error + fnoise[(q0 + i * qstep) % NOISE_N]) for i, v in enumerate(values)]
        k0 += NOISE_N // 2  # its own plateaus, not the actual's
    cents = [int(v + 0.5) for v in values]
    hold = model.hold
    for i in range(1, n):
        if hold[(k0 + i) % NOISE_N]:
            cents[i] = cents[i - 1]
    return cents


def revise(cents: int, change: float) -> int:
    return int(cents * (1.0 + change) + 0.5)


def band(model: AreaModel, days: list[date], salt: int, whole_mw: bool = False) -> tuple[int, int]:
    """(min, max) forecast in cents over ``days``: the profile's extremes with a seeded error."""
    lows, highs = [], []
    for day in days:
        level, weekend = _day_level(model, day)
        shape = WEEKEND_QH if weekend else WORKDAY_QH
        lows.append(level * min(shape))
        highs.append(level * max(shape))
    o = days[0].toordinal() + salt
    low = min(lows) * (1.0 + model.day_error[o % DAY_N] - 0.01)
    high = max(highs) * (1.0 + model.day_error[(o + 7) % DAY_N] + 0.01)
    if whole_mw:
        return int(low / 100 + 0.5) * 100, int(high / 100 + 0.5) * 100
    return int(low + 0.5), int(high + 0.5)


def hold_run(model: AreaModel, values: list[int], key: int) -> list[int]:
    """``values`` with the seeded plateaus applied (a held value repeats its predecessor)."""
    out = list(values)
    for i in range(1, len(out)):
        if model.hold[(key + i * 31) % NOISE_N]:
            out[i] = out[i - 1]
    return out


def margin(model: AreaModel, year: int) -> int:
    """Year-ahead forecast margin in cents (whole MW): about 9 % of the mean load."""
    error = model.day_error[(year * 37) % DAY_N]
    return int(model.mean_mw * 0.09 * (1.0 + 3 * error) + 0.5) * 100


def _hours_of_year(year: int) -> tuple[int, int]:
    first = int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) // 3600
    return first, int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()) // 3600


@lru_cache(maxsize=4096)
def gap_hours(seed: int, area_code: str, year: int, share: float) -> frozenset[int]:
    """UTC hours (epoch hours) of ``year`` whose actual load is never published.

    Runs of 1-3 hours at seeded places, about ``share`` of the year's hours in total.
    """
    first, stop = _hours_of_year(year)
    target = round(share * (stop - first))
    rng = random.Random(f"{seed}/{area_code}/gaps/{year}")
    hours: set[int] = set()
    while len(hours) < target:
        at = rng.randrange(first, stop)
        hours.update(h for h in range(at, at + rng.randint(1, 3)) if h < stop)
    return frozenset(hours)


@lru_cache(maxsize=4096)
def revised_hours(
    seed: int, area_code: str, data_type: str, year: int, share: float
) -> Mapping[int, float]:
    """UTC hours of ``year`` that get a second revision, with each one's relative change."""
    first, stop = _hours_of_year(year)
    rng = random.Random(f"{seed}/{area_code}/{data_type}/revisions/{year}")
    chosen = rng.sample(range(first, stop), round(share * (stop - first)))
    return {h: rng.choice((-1.0, 1.0)) * rng.uniform(0.01, 0.05) for h in sorted(chosen)}
