"""ENTSO-E production types (psrType, code list B01..B25) and the names the API accepts.

The codes and descriptions are the Transparency Platform's; ``name`` is ours: lower case, one
word per part, stable (``wind_onshore``), so a query or a column reads without a code table.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches

from app.entsoe.errors import UnknownPsrTypeError


@dataclass(frozen=True, slots=True)
class PsrType:
    code: str
    name: str
    description: str


PSR_TYPES: tuple[PsrType, ...] = (
    PsrType("B01", "biomass", "Biomass"),
    PsrType("B02", "lignite", "Fossil Brown coal/Lignite"),
    PsrType("B03", "coal_gas", "Fossil Coal-derived gas"),
    PsrType("B04", "gas", "Fossil Gas"),
    PsrType("B05", "hard_coal", "Fossil Hard coal"),
    PsrType("B06", "oil", "Fossil Oil"),
    PsrType("B07", "oil_shale", "Fossil Oil shale"),
    PsrType("B08", "peat", "Fossil Peat"),
    PsrType("B09", "geothermal", "Geothermal"),
    PsrType("B10", "hydro_pumped_storage", "Hydro Pumped Storage"),
    PsrType("B11", "hydro_run_of_river", "Hydro Run-of-river and poundage"),
    PsrType("B12", "hydro_reservoir", "Hydro Water Reservoir"),
    PsrType("B13", "marine", "Marine"),
    PsrType("B14", "nuclear", "Nuclear"),
    PsrType("B15", "other_renewable", "Other renewable"),
    PsrType("B16", "solar", "Solar"),
    PsrType("B17", "waste", "Waste"),
    PsrType("B18", "wind_offshore", "Wind Offshore"),
    PsrType("B19", "wind_onshore", "Wind Onshore"),
    PsrType("B20", "other", "Other"),
    PsrType("B21", "ac_link", "AC Link"),
    PsrType("B22", "dc_link", "DC Link"),
    PsrType("B23", "substation", "Substation"),
    PsrType("B24", "transformer", "Transformer"),
    PsrType("B25", "energy_storage", "Energy storage"),
)

BY_CODE = {p.code: p for p in PSR_TYPES}
BY_NAME = {p.name: p for p in PSR_TYPES}
SOLAR, WIND_OFFSHORE, WIND_ONSHORE = "B16", "B18", "B19"


def resolve_psr_type(text: str) -> str:
    """``B16``, ``b16`` or ``solar`` -> ``B16``; anything else raises UnknownPsrTypeError."""
    value = text.strip()
    if value.upper() in BY_CODE:
        return value.upper()
    if value.lower() in BY_NAME:
        return BY_NAME[value.lower()].code
    close = get_close_matches(value.lower(), list(BY_NAME), n=1)
    raise UnknownPsrTypeError(text, close[0] if close else None)
