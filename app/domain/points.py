"""The rows the processor makes and the repository stores.

What repeats for every point of one TimeSeries lives once in :class:`SeriesMeta`;
an :class:`EnergyPoint` is a UTC timestamp, a value and a reference to its series.
:data:`CSV_COLUMNS` names the columns a stored row is written as in CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# A stored row as CSV (the API's csv format, the parse command), in this order: its key (UTC
# timestamp, area, data type, business type), quantity (in the series' unit), series resolution.
CSV_COLUMNS = ("timestamp", "area_code", "data_type", "business_type", "quantity", "resolution")


@dataclass(frozen=True, slots=True)
class SeriesMeta:
    """Everything a point shares with its TimeSeries and document.

    ``area_code`` is the registry's short code (``DE_LU``), ``data_type`` a
    :class:`app.entsoe.items.DataType` value, ``resolution`` an ISO 8601 duration as
    ENTSO-E writes it (``PT15M``, ``P7D``), ``document_created_at`` UTC.
    """

    area_code: str
    data_type: str
    business_type: str
    unit: str
    resolution: str
    curve_type: str
    document_mrid: str
    revision_number: int
    document_created_at: datetime
    time_series_mrid: str
    data_source: str


@dataclass(frozen=True, slots=True)
class EnergyPoint:
    """One stored value: ``timestamp`` is the UTC start of its interval, ``quantity`` in
    ``meta.unit``."""

    timestamp: datetime
    quantity: Decimal
    meta: SeriesMeta

    @property
    def key(self) -> tuple[datetime, str, str, str]:
        """The primary key: (timestamp, area_code, data_type, business_type)."""
        return (self.timestamp, self.meta.area_code, self.meta.data_type, self.meta.business_type)
