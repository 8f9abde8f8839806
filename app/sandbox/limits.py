"""How much one request may ask for: ENTSO-E's "maximum allowed period" per item.

The platform states each item's limit as an ISO 8601 period and adds it to periodStart in UTC
calendar arithmetic: a request is refused when periodEnd lies after periodStart + period. So
P1M from 2023-12-31T23:00Z reaches 2024-01-31T23:00Z (all of January in Brussels is allowed),
while from 2025-04-30T22:00Z it reaches 2025-05-30T22:00Z only (all of May in Brussels is one
hour too long): this is what users of the real API reported in 2026. The refusal names the
item's export ('ACTUAL_TOTAL_LOAD_R3:XML'), which is the data item name the platform uses in
its other acknowledgements, without the article number.

These limits are the platform's, kept here on purpose: the client (app.entsoe.items) plans
shorter windows of its own. Actual generation per type (16.1.B&C) is limited to P1M like
actual load: users of the real API met "larger than maximum allowed period 'P1M' for
'AGGREGATED_GENERATION_PER_TYPE_R3:XML' export" in 2026 (entsoe-py issue 547); the other
generation items keep P1Y. The generation items' "No matching data" acknowledgements name
the export and the article (``AGGREGATED_GENERATION_PER_TYPE_R3 [16.1.B&C]``), as the real one
for 16.1.A does (``ACTUAL_GENERATION_OUTPUT_PER_UNIT_R3 [16.1.A]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

from app.domain.timegrid import RESOLUTIONS, boundaries
from app.entsoe.items import DataType

ALLOWED_PERIODS: Mapping[DataType, str] = MappingProxyType(
    {
        DataType.ACTUAL: "P1M",
        DataType.DAY_AHEAD: "P1M",
        DataType.WEEK_AHEAD: "P1Y",
        DataType.MONTH_AHEAD: "P1Y",
        DataType.YEAR_AHEAD: "P1Y",
        DataType.FORECAST_MARGIN: "P1Y",
        DataType.GENERATION: "P1M",
        DataType.GENERATION_FORECAST: "P1Y",
        DataType.WIND_SOLAR_DAY_AHEAD: "P1Y",
        DataType.WIND_SOLAR_INTRADAY: "P1Y",
        DataType.WIND_SOLAR_CURRENT: "P1Y",
        DataType.INSTALLED_CAPACITY: "P1Y",
    }
)
EXPORT_NAMES: Mapping[DataType, str] = MappingProxyType(
    {
        DataType.ACTUAL: "ACTUAL_TOTAL_LOAD_R3",
        DataType.DAY_AHEAD: "DAY_AHEAD_TOTAL_LOAD_FORECAST_R3",
        DataType.WEEK_AHEAD: "TOTAL_LOAD_FORECAST",
        DataType.MONTH_AHEAD: "TOTAL_LOAD_FORECAST",
        DataType.YEAR_AHEAD: "TOTAL_LOAD_FORECAST",
        DataType.FORECAST_MARGIN: "YEAR_AHEAD_FORECAST_MARGIN_R3",
        DataType.GENERATION: "AGGREGATED_GENERATION_PER_TYPE_R3",
        DataType.GENERATION_FORECAST: "DAY_AHEAD_AGGREGATED_GENERATION_R3",
        DataType.WIND_SOLAR_DAY_AHEAD: "WIND_AND_SOLAR_FORECAST_R3",
        DataType.WIND_SOLAR_INTRADAY: "WIND_AND_SOLAR_FORECAST_R3",
        DataType.WIND_SOLAR_CURRENT: "WIND_AND_SOLAR_FORECAST_R3",
        DataType.INSTALLED_CAPACITY: "INSTALLED_GENERATION_CAPACITY_AGGREGATED_R3",
    }
)
#: Articles of Regulation 543/2013 the generation items publish.
ARTICLES: Mapping[DataType, str] = MappingProxyType(
    {
        DataType.GENERATION: "16.1.B&C",
        DataType.GENERATION_FORECAST: "14.1.C",
        DataType.WIND_SOLAR_DAY_AHEAD: "14.1.D",
        DataType.WIND_SOLAR_INTRADAY: "14.1.D",
        DataType.WIND_SOLAR_CURRENT: "14.1.D",
        DataType.INSTALLED_CAPACITY: "14.1.A",
    }
)
TOO_LARGE_TEXT = (
    "Provided time interval ({start} - {end}) is larger than maximum allowed period"
    " '{period}' for '{export}:XML' export."
)
#: Periods a limit may be given in: those the time grid knows how to step by.
KNOWN_PERIODS = RESOLUTIONS
_UTC = ZoneInfo("UTC")


def exceeds(period: str, start: datetime, end: datetime) -> bool:
    """Whether [start, end) reaches past start + ``period`` (UTC calendar, month ends clamped).

    That is: a second ``period`` interval would begin inside the request.
    """
    return len(boundaries(start, end, period, _UTC)) > 2  # two intervals begin in the request


def too_large_text(data_type: DataType, period: str, start: datetime, end: datetime) -> str:
    return TOO_LARGE_TEXT.format(
        start=_seconds(start), end=_seconds(end), period=period, export=EXPORT_NAMES[data_type]
    )


def _seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
