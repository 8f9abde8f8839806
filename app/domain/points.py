"""The rows the processor makes and the repository stores.

What repeats for every point of one TimeSeries lives once in :class:`SeriesMeta`;
an :class:`EnergyPoint` is a UTC timestamp, a value and a reference to its series.
A :class:`CoveredPeriod` is an interval in which a document states its series completely, and
:class:`ProcessedPoints` what the processor makes of documents: points, their Periods and how
many points it rejected. :func:`storable` is the range a stored quantity must lie in.
:data:`CSV_COLUMNS` names the columns a stored row is written as in CSV.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# A stored row as CSV (the API's csv format, the parse command), in this order: its key (UTC
# timestamp, area, data type, business type, production type), quantity (in the series' unit),
# series resolution.
CSV_COLUMNS = (
    "timestamp",
    "area_code",
    "data_type",
    "business_type",
    "psr_type",
    "quantity",
    "resolution",
)
# The production type of a series that has none (load, the aggregated generation forecast).
NO_PSR = ""

# energy_data_points.quantity is numeric(15, 3) (app/db/models.py): a value is rounded to 3
# decimals (half away from zero, as PostgreSQL rounds numerics) and must then stay below 10**12.
QUANTITY_PRECISION = 15
QUANTITY_SCALE = 3
# The smallest magnitude that rounds to 10**12: everything below it fits the column.
QUANTITY_LIMIT = Decimal(10) ** (QUANTITY_PRECISION - QUANTITY_SCALE) - Decimal("0.0005")


def storable(quantity: Decimal) -> bool:
    """True when ``quantity`` is finite and fits the quantity column once rounded."""
    return quantity.is_finite() and -QUANTITY_LIMIT < quantity < QUANTITY_LIMIT


@dataclass(frozen=True, slots=True)
class SeriesMeta:
    """Everything a point shares with its TimeSeries and document.

    ``area_code`` is the registry's short code (``DE_LU``), ``data_type`` a
    :class:`app.entsoe.items.DataType` value, ``psr_type`` the production type (``B16``; empty
    for series without one, such as load), ``resolution`` an ISO 8601 duration as
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
    psr_type: str = NO_PSR

    @property
    def series(self) -> tuple[str, str, str, str]:
        """(area_code, data_type, business_type, psr_type): the series this meta's rows are of."""
        return (self.area_code, self.data_type, self.business_type, self.psr_type)


@dataclass(frozen=True, slots=True)
class EnergyPoint:
    """One stored value: ``timestamp`` is the UTC start of its interval, ``quantity`` in
    ``meta.unit``."""

    timestamp: datetime
    quantity: Decimal
    meta: SeriesMeta

    @property
    def key(self) -> tuple[datetime, str, str, str, str]:
        """The row's identity: (timestamp, area_code, data_type, business_type, psr_type)."""
        m = self.meta
        return (self.timestamp, m.area_code, m.data_type, m.business_type, m.psr_type)


@dataclass(frozen=True, slots=True)
class CoveredPeriod:
    """A Period of one document: in [``start``, ``end``) (UTC) it states the whole series
    (``meta``'s area, data type, business type and production type) as of ``meta``'s revision.

    So a stored value of that series in the interval which the document does not hold (a
    position it dropped, an interval of another resolution, a point it rejected) is superseded
    once this revision is stored.
    """

    meta: SeriesMeta
    start: datetime
    end: datetime
    # The document holds a point for every interval of the Period (at meta.resolution), so the
    # rows it states there are exactly the Period's grid.
    complete: bool = False

    @property
    def series(self) -> tuple[str, str, str, str]:
        """(area_code, data_type, business_type, psr_type): the rows this Period speaks for."""
        return self.meta.series


@dataclass(frozen=True, slots=True)
class ProcessedPoints:
    """What the processor makes of documents: the ``points`` to store, the ``covered``
    Periods they came from, and how many points it ``rejected`` (a value the column cannot
    hold). Points come in document order."""

    points: tuple[EnergyPoint, ...] = ()
    covered: tuple[CoveredPeriod, ...] = ()
    rejected: int = 0

    @classmethod
    def concat(cls, parts: Iterable[ProcessedPoints]) -> ProcessedPoints:
        """Several documents' results as one, in order."""
        items = list(parts)
        return cls(
            tuple(p for part in items for p in part.points),
            tuple(c for part in items for c in part.covered),
            sum(part.rejected for part in items),
        )
