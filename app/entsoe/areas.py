"""ENTSO-E areas that publish total load: short code, EIC code, display name, IANA time zone.

Bidding zones (BZN), control areas (CTA) and country areas (CTY). Where one EIC code is a
bidding zone *and* a control area *and* a country (FR, NL, ...) it appears once. The time zone
is the one whose local calendar defines the area's days, weeks, months and years (P1D..P1Y).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo

from app.entsoe.errors import UnknownAreaError


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    eic: str
    name: str
    tz: str

    @property
    def zone(self) -> ZoneInfo:
        """The area's IANA zone (ZoneInfo caches instances, so this is cheap)."""
        return ZoneInfo(self.tz)


_BER, _ROM, _OSL, _STO = "Europe/Berlin", "Europe/Rome", "Europe/Oslo", "Europe/Stockholm"

AREAS: tuple[Area, ...] = (
    # Germany / Luxembourg / Austria
    Area("DE_LU", "10Y1001A1001A82H", "Germany-Luxembourg BZN", _BER),
    Area("DE_AT_LU", "10Y1001A1001A63L", "Germany-Austria-Luxembourg BZN (until 2018-10)", _BER),
    Area("DE", "10Y1001A1001A83F", "Germany", _BER),
    Area("DE_50HZ", "10YDE-VE-------2", "50Hertz CA", _BER),
    Area("DE_AMPRION", "10YDE-RWENET---I", "Amprion CA", _BER),
    Area("DE_TENNET", "10YDE-EON------1", "TenneT GER CA", _BER),
    Area("DE_TRANSNET", "10YDE-ENBW-----N", "TransnetBW CA", _BER),
    Area("LU", "10YLU-CEGEDEL-NQ", "Luxembourg (Creos CA)", "Europe/Luxembourg"),
    Area("AT", "10YAT-APG------L", "Austria", "Europe/Vienna"),
    # Western Europe
    Area("FR", "10YFR-RTE------C", "France", "Europe/Paris"),
    Area("NL", "10YNL----------L", "Netherlands", "Europe/Amsterdam"),
    Area("BE", "10YBE----------2", "Belgium", "Europe/Brussels"),
    Area("CH", "10YCH-SWISSGRIDZ", "Switzerland", "Europe/Zurich"),
    Area("ES", "10YES-REE------0", "Spain", "Europe/Madrid"),
    Area("PT", "10YPT-REN------W", "Portugal", "Europe/Lisbon"),
    Area("GB", "10YGB----------A", "Great Britain (National Grid)", "Europe/London"),
    Area("UK", "10Y1001A1001A92E", "United Kingdom", "Europe/London"),
    Area("GB_NIR", "10Y1001A1001A016", "Northern Ireland (SONI CA)", "Europe/London"),
    Area("IE", "10YIE-1001A00010", "Ireland (EirGrid CA)", "Europe/Dublin"),
    Area("IE_SEM", "10Y1001A1001A59C", "Ireland SEM BZN", "Europe/Dublin"),
    # Central / Eastern Europe
    Area("CZ", "10YCZ-CEPS-----N", "Czech Republic", "Europe/Prague"),
    Area("PL", "10YPL-AREA-----S", "Poland", "Europe/Warsaw"),
    Area("SK", "10YSK-SEPS-----K", "Slovakia", "Europe/Bratislava"),
    Area("HU", "10YHU-MAVIR----U", "Hungary", "Europe/Budapest"),
    Area("SI", "10YSI-ELES-----O", "Slovenia", "Europe/Ljubljana"),
    Area("HR", "10YHR-HEP------M", "Croatia", "Europe/Zagreb"),
    Area("RO", "10YRO-TEL------P", "Romania", "Europe/Bucharest"),
    Area("BG", "10YCA-BULGARIA-R", "Bulgaria", "Europe/Sofia"),
    Area("GR", "10YGR-HTSO-----Y", "Greece", "Europe/Athens"),
    Area("RS", "10YCS-SERBIATSOV", "Serbia", "Europe/Belgrade"),
    Area("ME", "10YCS-CG-TSO---S", "Montenegro", "Europe/Podgorica"),
    Area("MK", "10YMK-MEPSO----8", "North Macedonia", "Europe/Skopje"),
    Area("BA", "10YBA-JPCC-----D", "Bosnia and Herzegovina", "Europe/Sarajevo"),
    Area("AL", "10YAL-KESH-----5", "Albania", "Europe/Tirane"),
    Area("XK", "10Y1001C--00100H", "Kosovo", "Europe/Belgrade"),
    Area("TR", "10YTR-TEIAS----W", "Turkey", "Europe/Istanbul"),
    Area("CY", "10YCY-1001A0003J", "Cyprus", "Asia/Nicosia"),
    Area("MT", "10Y1001A1001A93C", "Malta", "Europe/Malta"),
    Area("UA", "10Y1001C--00003F", "Ukraine BZN", "Europe/Kyiv"),
    Area("UA_IPS", "10Y1001C--000182", "Ukraine IPS CA", "Europe/Kyiv"),
    Area("UA_BEI", "10YUA-WEPS-----0", "Ukraine BEI CA (Burshtyn island)", "Europe/Kyiv"),
    Area("UA_DOBTPP", "10Y1001A1001A869", "Ukraine DobTPP CTA", "Europe/Kyiv"),
    Area("MD", "10Y1001A1001A990", "Moldova", "Europe/Chisinau"),
    Area("GE", "10Y1001A1001B012", "Georgia", "Asia/Tbilisi"),
    Area("BY", "10Y1001A1001A51S", "Belarus", "Europe/Minsk"),
    Area("RU", "10Y1001A1001A49F", "Russia", "Europe/Moscow"),
    Area("RU_KGD", "10Y1001A1001A50U", "Russia Kaliningrad", "Europe/Kaliningrad"),
    # Italy
    Area("IT", "10YIT-GRTN-----B", "Italy", _ROM),
    Area("IT_NORD", "10Y1001A1001A73I", "Italy North BZN", _ROM),
    Area("IT_CNOR", "10Y1001A1001A70O", "Italy Centre-North BZN", _ROM),
    Area("IT_CSUD", "10Y1001A1001A71M", "Italy Centre-South BZN", _ROM),
    Area("IT_SUD", "10Y1001A1001A788", "Italy South BZN", _ROM),
    Area("IT_SICI", "10Y1001A1001A75E", "Italy Sicily BZN", _ROM),
    Area("IT_SARD", "10Y1001A1001A74G", "Italy Sardinia BZN", _ROM),
    Area("IT_CALA", "10Y1001C--00096J", "Italy Calabria BZN", _ROM),
    Area("IT_BRNN", "10Y1001A1001A699", "Italy Brindisi (virtual BZN)", _ROM),
    Area("IT_FOGN", "10Y1001A1001A72K", "Italy Foggia (virtual BZN)", _ROM),
    Area("IT_PRGP", "10Y1001A1001A76C", "Italy Priolo (virtual BZN)", _ROM),
    Area("IT_ROSN", "10Y1001A1001A77A", "Italy Rossano (virtual BZN)", _ROM),
    Area("IT_SACO_AC", "10Y1001A1001A885", "Italy SACOAC BZN", _ROM),
    Area("IT_SACO_DC", "10Y1001A1001A893", "Italy SACODC BZN", _ROM),
    # Nordics and Baltics
    Area("DK", "10Y1001A1001A65H", "Denmark", "Europe/Copenhagen"),
    Area("DK_1", "10YDK-1--------W", "Denmark DK1 BZN", "Europe/Copenhagen"),
    Area("DK_2", "10YDK-2--------M", "Denmark DK2 BZN", "Europe/Copenhagen"),
    Area("DK_CA", "10Y1001A1001A796", "Denmark (Energinet CA)", "Europe/Copenhagen"),
    Area("NO", "10YNO-0--------C", "Norway", _OSL),
    Area("NO_1", "10YNO-1--------2", "Norway NO1 BZN", _OSL),
    Area("NO_2", "10YNO-2--------T", "Norway NO2 BZN", _OSL),
    Area("NO_3", "10YNO-3--------J", "Norway NO3 BZN", _OSL),
    Area("NO_4", "10YNO-4--------9", "Norway NO4 BZN", _OSL),
    Area("NO_5", "10Y1001A1001A48H", "Norway NO5 BZN", _OSL),
    Area("SE", "10YSE-1--------K", "Sweden", _STO),
    Area("SE_1", "10Y1001A1001A44P", "Sweden SE1 BZN", _STO),
    Area("SE_2", "10Y1001A1001A45N", "Sweden SE2 BZN", _STO),
    Area("SE_3", "10Y1001A1001A46L", "Sweden SE3 BZN", _STO),
    Area("SE_4", "10Y1001A1001A47J", "Sweden SE4 BZN", _STO),
    Area("FI", "10YFI-1--------U", "Finland", "Europe/Helsinki"),
    Area("EE", "10Y1001A1001A39I", "Estonia", "Europe/Tallinn"),
    Area("LV", "10YLV-1001A00074", "Latvia", "Europe/Riga"),
    Area("LT", "10YLT-1001A0008Q", "Lithuania", "Europe/Vilnius"),
)


# Countries whose load a reader most likely wants from the bidding zone(s) covering them, in
# the order suggested: Germany and Luxembourg form one zone (DE_AT_LU until 2018-10), Italy,
# Denmark, Norway and Sweden are split into zones, and the island of Ireland is one market.
# A read naming the country while only its zones hold data is answered with these.
COUNTRY_ZONES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "DE": ("DE_LU", "DE_AT_LU"),
        "LU": ("DE_LU", "DE_AT_LU"),
        "IT": (
            "IT_NORD", "IT_CNOR", "IT_CSUD", "IT_SUD", "IT_CALA", "IT_SICI", "IT_SARD",
        ),
        "DK": ("DK_1", "DK_2"),
        "NO": ("NO_1", "NO_2", "NO_3", "NO_4", "NO_5"),
        "SE": ("SE_1", "SE_2", "SE_3", "SE_4"),
        "IE": ("IE_SEM",),
        "GB_NIR": ("IE_SEM",),
        "UK": ("GB", "IE_SEM"),
    }
)  # fmt: skip


def country_zones(code_or_eic: str) -> tuple[str, ...]:
    """The bidding zones covering the country with this short code or EIC (any case); () for
    any other area and for what is no area (no close-match search: cheap on any input)."""
    area = _BY_KEY.get(code_or_eic.strip().upper())
    return COUNTRY_ZONES.get(area.code, ()) if area else ()


_BY_KEY: dict[str, Area] = {key: a for a in AREAS for key in (a.code.upper(), a.eic.upper())}


def get_area(code_or_eic: str) -> Area:
    """The area with this short code (``DE_LU``) or EIC code (``10Y1001A1001A82H``), any case.

    Raises :class:`UnknownAreaError` (a ``ValueError``) listing close matches otherwise.
    """
    key = code_or_eic.strip().upper()
    area = _BY_KEY.get(key)
    if area is not None:
        return area
    suggestions = difflib.get_close_matches(key, list(_BY_KEY), n=5, cutoff=0.6)
    # Report short codes rather than EICs where a suggestion is an EIC.
    names = list(dict.fromkeys(_BY_KEY[s].code for s in suggestions))
    raise UnknownAreaError(code_or_eic, names)
