"""The six ENTSO-E load items this service keeps, and their request limits."""

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


@dataclass(frozen=True, slots=True)
class LoadItem:
    """One ENTSO-E data item: what to ask for and how much one request may cover.

    ``max_window`` is ENTSO-E's limit on periodEnd - periodStart for one request; the client
    splits longer ranges and the sandbox refuses larger ones with acknowledgement 999.
    ``horizon`` is how far ahead the item is published (zero for actuals).
    """

    data_type: DataType
    document_type: str
    process_type: str
    max_window: timedelta
    horizon: timedelta
    business_types: tuple[str, ...]


ONE_YEAR = timedelta(days=366)  # a leap year must fit in one request
FOUR_WEEKS = timedelta(days=28)  # ENTSO-E refuses longer A16/A01 load requests since 2026

ITEMS: dict[DataType, LoadItem] = {
    DataType.ACTUAL: LoadItem(DataType.ACTUAL, "A65", "A16", FOUR_WEEKS, timedelta(0), ("A04",)),
    DataType.DAY_AHEAD: LoadItem(
        DataType.DAY_AHEAD, "A65", "A01", FOUR_WEEKS, timedelta(days=2), ("A04",)
    ),
    DataType.WEEK_AHEAD: LoadItem(
        DataType.WEEK_AHEAD, "A65", "A31", ONE_YEAR, timedelta(days=8), ("A60", "A61")
    ),
    DataType.MONTH_AHEAD: LoadItem(
        DataType.MONTH_AHEAD, "A65", "A32", ONE_YEAR, timedelta(days=62), ("A60", "A61")
    ),
    DataType.YEAR_AHEAD: LoadItem(
        DataType.YEAR_AHEAD, "A65", "A33", ONE_YEAR, timedelta(days=400), ("A60", "A61")
    ),
    DataType.FORECAST_MARGIN: LoadItem(
        DataType.FORECAST_MARGIN, "A70", "A33", ONE_YEAR, timedelta(days=400), ("A91",)
    ),
}


def item_for(document_type: str, process_type: str) -> LoadItem:
    """The item a GL_MarketDocument's (type, processType) pair belongs to."""
    for item in ITEMS.values():
        if (item.document_type, item.process_type) == (document_type, process_type):
            return item
    raise KeyError(f"not a load item: documentType={document_type} processType={process_type}")
