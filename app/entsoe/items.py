"""The ENTSO-E items this service keeps (all GL_MarketDocument), and their request limits.

Load items (A65, A70) name their area as ``outBiddingZone_Domain`` in the request and in every
TimeSeries. Generation items (A75, A71, A69, A68) are asked for with ``in_Domain``; their
TimeSeries carry ``inBiddingZone_Domain`` for what flows into the zone (generation) and
``outBiddingZone_Domain`` for what flows out of it (pumped storage consuming, scheduled
consumption). One A75 (or A71) document thus holds two data types: :func:`item_for` tells
which from the series' direction, and both are fetched by one request (:attr:`Item.request`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class DataType(StrEnum):
    ACTUAL = "actual"
    DAY_AHEAD = "day_ahead"
    WEEK_AHEAD = "week_ahead"
    MONTH_AHEAD = "month_ahead"
    YEAR_AHEAD = "year_ahead"
    FORECAST_MARGIN = "forecast_margin"
    GENERATION = "generation"
    GENERATION_CONSUMPTION = "generation_consumption"
    GENERATION_FORECAST = "generation_forecast"
    CONSUMPTION_FORECAST = "consumption_forecast"
    WIND_SOLAR_DAY_AHEAD = "wind_solar_day_ahead"
    WIND_SOLAR_INTRADAY = "wind_solar_intraday"
    WIND_SOLAR_CURRENT = "wind_solar_current"
    INSTALLED_CAPACITY = "installed_capacity"


IN, OUT = "in", "out"  # the TimeSeries' inBiddingZone_Domain / outBiddingZone_Domain
OUT_DOMAIN, IN_DOMAIN = "outBiddingZone_Domain", "in_Domain"  # the request's area parameter


@dataclass(frozen=True, slots=True)
class Item:
    """One ENTSO-E data item: what to ask for and how much one request may cover.

    ``max_window`` is ENTSO-E's limit on periodEnd - periodStart for one request (the sandbox
    refuses larger ones with acknowledgement 999); ``plan_window`` is what the client asks for
    at a time (never more than ``max_window``: a year of 20 production types at PT15M is tens of
    megabytes of XML). ``horizon`` is how far ahead the item is published (zero for actuals).
    ``direction`` is which BiddingZone element its TimeSeries carry; ``domain_param`` the
    request parameter naming the area. ``request`` is the item whose request fetches this one
    (itself, or the generation side of a document that holds both directions). ``per_psr``:
    its series are per production type (psrType).
    """

    data_type: DataType
    document_type: str
    process_type: str
    max_window: timedelta
    horizon: timedelta
    business_types: tuple[str, ...]
    direction: str = OUT
    domain_param: str = OUT_DOMAIN
    plan_window: timedelta | None = None
    fetched_with: DataType | None = None
    per_psr: bool = False

    @property
    def request(self) -> DataType:
        """The data type whose request brings this item's documents."""
        return self.fetched_with or self.data_type

    @property
    def window(self) -> timedelta:
        """How much one planned request covers."""
        return min(self.plan_window or self.max_window, self.max_window)


ONE_YEAR = timedelta(days=366)  # a leap year must fit in one request
FOUR_WEEKS = timedelta(days=28)  # ENTSO-E refuses longer A16/A01 load requests since 2026
# 14.1.A/C/D: the platform allows a year; 16.1.B&C (A75) a month since 2026 (users of the real
# API quote its "maximum allowed period 'P1M'" refusal). A month of every production type at
# PT15M is already 4 MB of XML, so the client asks for four weeks at a time of all of them.
GENERATION_PLAN = FOUR_WEEKS

_DAY = timedelta(days=1)
# Business types a generation document states: A01 production, A93 wind generation, A94 solar
# generation (the platform marks wind/solar series with them, also in A75); A04 consumption.
_GENERATION_BTYPES = ("A01", "A93", "A94")
_CONSUMPTION_BTYPES = ("A01", "A04")


def _generation(
    data_type: DataType,
    document_type: str,
    process_type: str,
    horizon: timedelta,
    business_types: tuple[str, ...],
    *,
    direction: str = IN,
    fetched_with: DataType | None = None,
    per_psr: bool = True,
    plan_window: timedelta | None = GENERATION_PLAN,
    limit: timedelta = ONE_YEAR,
) -> Item:
    return Item(
        data_type,
        document_type,
        process_type,
        limit,
        horizon,
        business_types,
        direction=direction,
        domain_param=IN_DOMAIN,
        plan_window=plan_window,
        fetched_with=fetched_with,
        per_psr=per_psr,
    )


_WIND_SOLAR = ("A93", "A94", "A01")
ITEMS: dict[DataType, Item] = {
    DataType.ACTUAL: Item(DataType.ACTUAL, "A65", "A16", FOUR_WEEKS, timedelta(0), ("A04",)),
    DataType.DAY_AHEAD: Item(DataType.DAY_AHEAD, "A65", "A01", FOUR_WEEKS, 2 * _DAY, ("A04",)),
    DataType.WEEK_AHEAD: Item(
        DataType.WEEK_AHEAD, "A65", "A31", ONE_YEAR, timedelta(days=8), ("A60", "A61")
    ),
    DataType.MONTH_AHEAD: Item(
        DataType.MONTH_AHEAD, "A65", "A32", ONE_YEAR, timedelta(days=62), ("A60", "A61")
    ),
    DataType.YEAR_AHEAD: Item(
        DataType.YEAR_AHEAD, "A65", "A33", ONE_YEAR, timedelta(days=400), ("A60", "A61")
    ),
    DataType.FORECAST_MARGIN: Item(
        DataType.FORECAST_MARGIN, "A70", "A33", ONE_YEAR, timedelta(days=400), ("A91",)
    ),
    DataType.GENERATION: _generation(
        DataType.GENERATION, "A75", "A16", timedelta(0), _GENERATION_BTYPES, limit=FOUR_WEEKS
    ),
    DataType.GENERATION_CONSUMPTION: _generation(
        DataType.GENERATION_CONSUMPTION,
        "A75",
        "A16",
        timedelta(0),
        _CONSUMPTION_BTYPES,
        direction=OUT,
        fetched_with=DataType.GENERATION,
        limit=FOUR_WEEKS,
    ),
    DataType.GENERATION_FORECAST: _generation(
        DataType.GENERATION_FORECAST, "A71", "A01", 2 * _DAY, ("A01",), per_psr=False
    ),
    DataType.CONSUMPTION_FORECAST: _generation(
        DataType.CONSUMPTION_FORECAST,
        "A71",
        "A01",
        2 * _DAY,
        _CONSUMPTION_BTYPES,
        direction=OUT,
        fetched_with=DataType.GENERATION_FORECAST,
        per_psr=False,
    ),
    DataType.WIND_SOLAR_DAY_AHEAD: _generation(
        DataType.WIND_SOLAR_DAY_AHEAD, "A69", "A01", 2 * _DAY, _WIND_SOLAR
    ),
    DataType.WIND_SOLAR_INTRADAY: _generation(
        DataType.WIND_SOLAR_INTRADAY, "A69", "A40", _DAY, _WIND_SOLAR
    ),
    DataType.WIND_SOLAR_CURRENT: _generation(
        DataType.WIND_SOLAR_CURRENT, "A69", "A18", _DAY, _WIND_SOLAR
    ),
    # 14.1.A: one P1Y value per production type and year; a request may span one year.
    DataType.INSTALLED_CAPACITY: _generation(
        DataType.INSTALLED_CAPACITY,
        "A68",
        "A33",
        timedelta(days=400),
        ("A37",),
        plan_window=None,
    ),
}

LOAD_TYPES = tuple(t for t, i in ITEMS.items() if i.document_type in ("A65", "A70"))
GENERATION_TYPES = tuple(t for t in ITEMS if t not in LOAD_TYPES)
# The data types a collection asks ENTSO-E for: the others come in the same documents.
REQUEST_TYPES = tuple(t for t, i in ITEMS.items() if i.fetched_with is None)


def item_for(document_type: str, process_type: str, direction: str = OUT) -> Item:
    """The item a GL_MarketDocument's (type, processType) and a TimeSeries' direction ("in"
    for inBiddingZone_Domain, "out" for outBiddingZone_Domain) belong to."""
    for item in ITEMS.values():
        if (item.document_type, item.process_type, item.direction) == (
            document_type,
            process_type,
            direction,
        ):
            return item
    raise KeyError(
        f"not an item this service keeps: documentType={document_type}"
        f" processType={process_type} {direction}BiddingZone"
    )


def is_known_document(document_type: str, process_type: str) -> bool:
    return any(
        (i.document_type, i.process_type) == (document_type, process_type) for i in ITEMS.values()
    )
