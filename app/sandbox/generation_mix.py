"""Which production types each area has, with how much installed capacity, year by year.

Capacities are whole MW at 1 January of a local year, round figures of the 2024 fleets (the
share of each type is what matters: lignite and coal in DE_LU and PL, nuclear in FR, gas and
wind in NL, hydro in AT and CH...). Other years scale them by a yearly growth per type (solar
grows, coal shrinks); a retired type (German nuclear, 15 April 2023) has no series after its
last local day and no capacity from the next year on. Areas not listed get a mix scaled to
their mean load from a generic one, chosen by a stable hash of the code (not by the seed: the
fleet is structure, not noise). Types listed with 0 MW are published with zeros, as ES and NL
publish all of B01..B20.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from app.sandbox.generator import MEAN_LOAD_MW

BASE_YEAR = 2024
_ALL = tuple(f"B{n:02d}" for n in range(1, 21))

# Installed MW in BASE_YEAR, per psrType.
MIXES: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "DE_LU": {"B01": 8700, "B02": 17700, "B04": 32000, "B05": 16000, "B06": 4500, "B09": 50,
              "B10": 9400, "B11": 3900, "B12": 1300, "B14": 8100, "B15": 450, "B16": 82000,
              "B17": 1700, "B18": 8500, "B19": 61000, "B20": 5200},
    "FR": {"B01": 2200, "B04": 12500, "B05": 1800, "B06": 3000, "B10": 5000, "B11": 10500,
           "B12": 8200, "B14": 61000, "B16": 20000, "B17": 900, "B18": 1500, "B19": 22000},
    "NL": dict.fromkeys(_ALL, 0) | {"B01": 420, "B04": 18500, "B05": 4000, "B11": 40,
                                    "B14": 490, "B16": 28000, "B17": 780, "B18": 4700,
                                    "B19": 7000, "B20": 10},
    "BE": {"B01": 800, "B04": 7000, "B10": 1300, "B11": 130, "B14": 5900, "B16": 8000,
           "B17": 300, "B18": 2260, "B19": 3200, "B20": 600},
    "ES": dict.fromkeys(_ALL, 0) | {"B01": 1000, "B04": 26000, "B05": 2500, "B06": 700,
                                    "B10": 3300, "B11": 1100, "B12": 16000, "B14": 7100,
                                    "B15": 500, "B16": 29000, "B17": 300, "B19": 30500,
                                    "B20": 100},
    "FI": {"B01": 2500, "B04": 1400, "B05": 1000, "B06": 1100, "B08": 800, "B11": 3200,
           "B14": 4400, "B15": 10, "B16": 1200, "B17": 300, "B19": 7000, "B20": 100},
    "CZ": {"B01": 900, "B02": 8000, "B04": 1500, "B05": 700, "B10": 1170, "B11": 350,
           "B12": 750, "B14": 4050, "B16": 3000, "B17": 70, "B19": 340, "B20": 400},
    "PL": {"B01": 1000, "B02": 8000, "B03": 500, "B04": 4000, "B05": 20000, "B06": 300,
           "B10": 1400, "B11": 400, "B12": 200, "B15": 50, "B16": 17000, "B19": 9500,
           "B20": 700},
    "AT": {"B01": 500, "B04": 4500, "B10": 5700, "B11": 6000, "B12": 2500, "B16": 5000,
           "B17": 150, "B19": 4000, "B20": 300},
    "CH": {"B10": 3500, "B11": 4200, "B12": 8000, "B14": 2960, "B16": 6000, "B17": 400,
           "B19": 90},
})  # fmt: skip
# Areas whose fleet is a share of another's (control areas, older zones).
PART_OF: Mapping[str, str] = MappingProxyType(
    {k: "DE_LU" for k in ("DE", "DE_AT_LU", "DE_50HZ", "DE_AMPRION", "DE_TENNET", "DE_TRANSNET")}
)
# A generic fleet per MW of mean load; the hash picks which optional types an area has.
_GENERIC = {"B01": 0.05, "B04": 0.6, "B11": 0.15, "B16": 0.6, "B19": 0.5, "B20": 0.05}
_OPTIONAL = (("B05", 0.35), ("B14", 0.4), ("B10", 0.12), ("B12", 0.3), ("B18", 0.15))

# Yearly growth factor per type (others stay flat).
GROWTH: Mapping[str, float] = MappingProxyType(
    {"B16": 1.15, "B19": 1.05, "B18": 1.08, "B02": 0.95, "B05": 0.93, "B04": 1.01}
)
# Last local day a type generates in an area; capacity is reported until that year.
RETIRED: Mapping[tuple[str, str], date] = MappingProxyType(
    {(k, "B14"): date(2023, 4, 15) for k in ("DE_LU", *PART_OF)}
)
# Capacity before retirement (German nuclear: six units until 2021, three in 2022-2023).
_STEPS: Mapping[tuple[str, str], Mapping[int, int]] = MappingProxyType(
    {("DE_LU", "B14"): {2021: 8100, 2023: 4050}}
)
# Areas whose TSOs mark wind series A93 (wind generation) in A75, as Fingrid does.
_JANUARY = datetime(2024, 1, 15, 12, tzinfo=UTC)  # no DST: the zone's standard offset
WIND_A93_AREAS = frozenset({"FI", "SE_1", "SE_2", "SE_3", "SE_4", "NO_1", "NO_2", "NO_3"})

# (latitude, longitude) of a zone's generation centre, for the sun.
COORDS: Mapping[str, tuple[float, float]] = MappingProxyType({
    "DE_LU": (51.0, 10.0), "FR": (46.5, 2.5), "NL": (52.2, 5.3), "BE": (50.6, 4.5),
    "ES": (40.0, -3.7), "PT": (39.5, -8.0), "FI": (62.0, 25.0), "CZ": (49.8, 15.5),
    "PL": (52.0, 19.0), "AT": (47.5, 14.5), "CH": (46.8, 8.2), "IT": (42.5, 12.5),
    "GB": (53.0, -1.5), "IE": (53.3, -8.0), "DK_1": (56.0, 9.0), "DK_2": (55.5, 12.0),
    "SE_3": (59.0, 15.0), "NO_1": (60.0, 10.5), "GR": (39.0, 22.0), "HU": (47.2, 19.5),
})  # fmt: skip


@lru_cache(maxsize=512)
def base_mix(area_code: str) -> Mapping[str, int]:
    """psrType -> installed MW in BASE_YEAR, in psrType order."""
    if area_code in MIXES:
        mix = dict(MIXES[area_code])
    elif area_code in PART_OF:
        parent = PART_OF[area_code]
        share = MEAN_LOAD_MW[area_code] / MEAN_LOAD_MW[parent]
        mix = {k: round(v * share) for k, v in MIXES[parent].items()}
    else:
        mean = MEAN_LOAD_MW.get(area_code) or 1000.0 + zlib.crc32(area_code.encode()) % 9000
        pick = zlib.crc32(f"mix/{area_code}".encode())
        mix = {k: round(v * mean) for k, v in _GENERIC.items()}
        for bit, (psr, share) in enumerate(_OPTIONAL):
            if pick >> bit & 1:
                mix[psr] = round(share * mean)
    return MappingProxyType(dict(sorted(mix.items())))


def capacity(area_code: str, psr: str, year: int) -> int:
    """Installed MW of ``psr`` in the area on 1 January of local ``year`` (0 once retired)."""
    base = base_mix(area_code).get(psr)
    if base is None:
        return 0
    retired = RETIRED.get((area_code, psr))
    if retired is not None and year > retired.year:
        return 0
    steps = _STEPS.get((PART_OF.get(area_code, area_code), psr))
    if steps is not None:
        at = max((y for y in steps if y <= year), default=min(steps))
        parent = base_mix(PART_OF.get(area_code, area_code))[psr]
        return round(steps[at] * base / parent) if parent else 0
    return round(base * GROWTH.get(psr, 1.0) ** (year - BASE_YEAR))


def types_on(area_code: str, day: date) -> tuple[str, ...]:
    """The production types the area publishes actual generation for on local ``day``."""
    return tuple(
        psr
        for psr in base_mix(area_code)
        if (retired := RETIRED.get((area_code, psr))) is None or day <= retired
    )


def types_in_year(area_code: str, year: int) -> tuple[str, ...]:
    """The production types with an installed capacity published for local ``year``."""
    return tuple(
        psr
        for psr in base_mix(area_code)
        if (retired := RETIRED.get((area_code, psr))) is None or year <= retired.year
    )


def coordinates(area_code: str, zone: ZoneInfo) -> tuple[float, float]:
    """(latitude, longitude) in degrees: listed, else 49 N at the zone's standard meridian."""
    if area_code in COORDS:
        return COORDS[area_code]
    for prefix in (area_code.split("_")[0], PART_OF.get(area_code, "")):
        if prefix in COORDS:
            return COORDS[prefix]
    offset = zone.utcoffset(_JANUARY)
    hours = offset.total_seconds() / 3600 if offset is not None else 1.0
    return 49.0, 15.0 * hours - 3.0
