"""The area registry: complete, consistent, and found by short code or EIC in any case."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from app.entsoe.areas import AREAS, Area, get_area
from app.entsoe.errors import UnknownAreaError

# fmt: off
REQUIRED = (
    "DE_LU", "DE_AT_LU", "FR", "NL", "BE", "AT", "CH", "CZ", "PL", "SK", "HU", "SI", "HR", "RO",
    "BG", "GR", "IT_NORD", "IT_CNOR", "IT_CSUD", "IT_SUD", "IT_SICI", "IT_SARD", "IT_CALA",
    "ES", "PT", "DK_1", "DK_2", "NO_1", "NO_2", "NO_3", "NO_4", "NO_5", "SE_1", "SE_2", "SE_3",
    "SE_4", "FI", "EE", "LV", "LT", "IE_SEM", "GB", "ME", "RS", "MK", "BA", "AL", "XK", "CY",
    "MT", "UA", "MD",
)
# fmt: on

# EIC codes as ENTSO-E publishes them (checked against the samples and entsoe-py's mappings).
KNOWN_EICS = {
    "DE_LU": "10Y1001A1001A82H",
    "DE_AT_LU": "10Y1001A1001A63L",
    "CZ": "10YCZ-CEPS-----N",
    "NL": "10YNL----------L",
    "BE": "10YBE----------2",
    "PL": "10YPL-AREA-----S",
    "DK_1": "10YDK-1--------W",
    "ME": "10YCS-CG-TSO---S",
    "IT_NORD": "10Y1001A1001A73I",
    "NO_5": "10Y1001A1001A48H",
    "IE_SEM": "10Y1001A1001A59C",
    "FR": "10YFR-RTE------C",
}


def test_every_required_area_is_registered() -> None:
    codes = {a.code for a in AREAS}
    assert set(REQUIRED) - codes == set()


@pytest.mark.parametrize(("code", "eic"), sorted(KNOWN_EICS.items()))
def test_known_eic_codes(code: str, eic: str) -> None:
    assert get_area(code).eic == eic
    assert get_area(eic).code == code


def test_codes_and_eics_are_unique_and_well_formed() -> None:
    codes = [a.code for a in AREAS]
    eics = [a.eic for a in AREAS]
    assert len(set(codes)) == len(codes)
    assert len(set(eics)) == len(eics)
    for area in AREAS:
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", area.code), area.code
        assert re.fullmatch(r"[0-9]{2}[A-Z0-9-]{14}", area.eic), area.eic
        assert area.name


def test_every_time_zone_is_a_real_iana_zone() -> None:
    for area in AREAS:
        assert isinstance(area.zone, ZoneInfo)
        assert area.zone.key == area.tz


def test_local_zones_of_a_few_areas() -> None:
    assert get_area("CZ").tz == "Europe/Prague"
    assert get_area("ME").tz == "Europe/Podgorica"
    assert get_area("PT").tz == "Europe/Lisbon"
    assert get_area("GB").tz == "Europe/London"
    assert get_area("FI").tz == "Europe/Helsinki"
    assert get_area("CY").tz == "Asia/Nicosia"


@pytest.mark.parametrize(
    "key", ["dk_1", "Dk_1", "DK_1", " DK_1 ", "10ydk-1--------w", "10YDK-1--------W"]
)
def test_lookup_is_case_insensitive_by_code_or_eic(key: str) -> None:
    assert get_area(key) == Area("DK_1", "10YDK-1--------W", "Denmark DK1 BZN", "Europe/Copenhagen")


def test_area_is_frozen() -> None:
    with pytest.raises(AttributeError):
        get_area("FR").code = "XX"  # type: ignore[misc]


def test_unknown_area_lists_close_matches() -> None:
    with pytest.raises(UnknownAreaError) as info:
        get_area("DE-LU")
    assert isinstance(info.value, ValueError)
    assert info.value.suggestions[0] == "DE_LU"
    assert "DE_LU" in str(info.value)
    assert "'DE-LU'" in str(info.value)


def test_unknown_area_matching_an_eic_suggests_the_short_code() -> None:
    with pytest.raises(UnknownAreaError) as info:
        get_area("10YCZ-CEPS-----X")
    assert "CZ" in info.value.suggestions


def test_unknown_area_without_close_match_has_no_suggestions() -> None:
    with pytest.raises(UnknownAreaError) as info:
        get_area("QQQQQQQQQQQQQQQQQQQ")
    assert info.value.suggestions == []
    assert "did you mean" not in str(info.value)
