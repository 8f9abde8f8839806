"""Properties: A03 round trips and A01 never invents values (the grid itself: tests/domain)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.entsoe.areas import AREAS
from app.entsoe.processor import process
from tests.entsoe.xmlgen import TS, Doc, P

FIXED = {"PT15M": timedelta(minutes=15), "PT30M": timedelta(minutes=30),
         "PT60M": timedelta(hours=1)}  # fmt: skip
AREA_EICS = [a.eic for a in AREAS]
quantities = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)

common = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


@common
@given(
    day=st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    resolution=st.sampled_from(sorted(FIXED)),
    values=st.lists(
        st.sampled_from([Decimal(1), Decimal("2.5"), Decimal(-3)]) | quantities,
        min_size=1,
        max_size=300,
    ),
    eic=st.sampled_from(AREA_EICS),
)
def test_a03_encoding_round_trips(
    day: date, resolution: str, values: list[Decimal], eic: str
) -> None:
    """Encode a series as A03 (a position only where the value changes); decoding restores it."""
    step = FIXED[resolution]
    start = local_midnight(day, ZoneInfo("Europe/Berlin"))
    end = start + step * len(values)
    points = [(i + 1, str(v)) for i, v in enumerate(values) if i == 0 or v != values[i - 1]]
    doc = Doc([TS([P(start, end, resolution, points)], curve_type="A03", area=eic)])
    rows = process(doc.xml())
    assert [r.timestamp for r in rows] == [start + k * step for k in range(len(values))]
    assert [r.quantity for r in rows] == values


@common
@given(
    day=st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    values=st.lists(st.one_of(st.none(), quantities), min_size=1, max_size=200),
)
def test_a01_never_invents_values(day: date, values: list[Decimal | None]) -> None:
    start = local_midnight(day, ZoneInfo("Europe/Prague"))
    end = start + timedelta(hours=len(values))
    points = [(i + 1, str(v)) for i, v in enumerate(values) if v is not None]
    rows = process(Doc([TS([P(start, end, "PT60M", points)])]).xml()) if points else []
    expected = [(start + timedelta(hours=i), v) for i, v in enumerate(values) if v is not None]
    assert [(r.timestamp, r.quantity) for r in rows] == expected
