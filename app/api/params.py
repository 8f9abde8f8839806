"""Query parameters shared by the read endpoints: validated once, errors name the parameter.

Every helper raises :class:`app.exceptions.InvalidInputError` (422 ``{"detail", "field"}``) for
bad input; nothing here can turn user input into a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from difflib import get_close_matches
from enum import StrEnum
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BeforeValidator

from app.domain.timegrid import BUCKET_RESOLUTIONS
from app.entsoe.areas import Area, get_area
from app.entsoe.errors import UnknownAreaError, UnknownPsrTypeError
from app.entsoe.items import ITEMS, DataType
from app.entsoe.psr_types import BY_NAME, resolve_psr_type
from app.exceptions import InvalidInputError
from app.repositories.readings_derived import DERIVED_TYPES, RESIDUAL_BUSINESS_TYPE

# Bounds keep every datetime computation (offsets, grid stepping) far from datetime's limits.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Z"})
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# An unencoded '+' in a query string arrives as a space: "...T00:00:00 01:00" meant "+01:00".
_LOST_PLUS = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}(:?\d{2})?$")


def iso_datetime(value: Any) -> Any:
    """Before pydantic parses a datetime: refuse numbers and explain a lost '+'.

    Pydantic reads a number as Unix seconds, so ``start=2024`` would silently mean
    1970-01-01T00:33:44Z; an ISO 8601 text is the only accepted form.
    """
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError(
            "must be an ISO 8601 datetime with a UTC offset such as 2024-01-01T00:00:00Z,"
            " not a number"
        )
    if isinstance(value, str) and _LOST_PLUS.search(value):
        raise ValueError(
            "the offset's '+' arrived as a space (a '+' in a URL means a space):"
            " write it as %2B, e.g. 2024-01-01T00:00:00%2B01:00, or use Z"
        )
    return value


# A datetime parameter or field that only accepts ISO 8601 text (see :func:`iso_datetime`).
IsoDatetime = Annotated[datetime, BeforeValidator(iso_datetime)]


# The ``resolution`` parameter: a bucket size of app.domain.timegrid. Built from its table, which
# mypy cannot read members from; the OpenAPI schema names the type "Resolution".
Resolution = StrEnum("Resolution", [(r, r) for r in BUCKET_RESOLUTIONS])  # type: ignore[misc]


class Aggregate(StrEnum):
    MEAN = "mean"
    MIN = "min"
    MAX = "max"
    SUM = "sum"


class Format(StrEnum):
    JSON = "json"
    COLUMNAR = "columnar"
    CSV = "csv"


class Layout(StrEnum):
    LONG = "long"  # one row per point (or bucket) and series
    WIDE = "wide"  # one row per instant, one column per series


def area(value: str, field: str = "area") -> Area:
    """The registry entry for a short code or EIC; 422 with close matches otherwise."""
    try:
        return get_area(value)
    except UnknownAreaError as exc:
        raise InvalidInputError(str(exc), field=field, suggestions=exc.suggestions) from None


def split(values: Iterable[str] | None) -> list[str]:
    """Repeated and/or comma-separated values, stripped, empty parts dropped, first seen kept."""
    out: dict[str, None] = {}
    for value in values or ():
        for part in value.split(","):
            if part.strip():
                out[part.strip()] = None
    return list(out)


def data_types(
    values: Iterable[str] | None, field: str = "data_type", *, derived: bool = False
) -> tuple[str, ...]:
    """Known data types in the order given (default: actual); ``derived``: also the computed
    ones (residual_load)."""
    names = split(values) or [DataType.ACTUAL.value]
    known = {d.value for d in DataType} | (set(DERIVED_TYPES) if derived else set())
    for name in names:
        if name in DERIVED_TYPES and not derived:
            raise InvalidInputError(
                f"{name} is computed from stored series, not stored itself: GET"
                " /api/v1/energy-data serves it; here ask for its inputs (actual, generation)",
                field=field,
            )
        if name not in known:
            raise InvalidInputError(
                f"unknown data type {name[:40]!r}; one of {', '.join(sorted(known))}", field=field
            )
    return tuple(names)


def offered_business_types(data_type: str) -> tuple[str, ...]:
    """The business types rows of ``data_type`` can carry (a derived type: load's)."""
    if data_type in DERIVED_TYPES:
        return (RESIDUAL_BUSINESS_TYPE,)
    return ITEMS[DataType(data_type)].business_types


def per_psr(data_type: str) -> bool:
    """Whether ``data_type`` has one series per production type."""
    return data_type not in DERIVED_TYPES and ITEMS[DataType(data_type)].per_psr


def psr_types(values: Iterable[str] | None, field: str = "psr_type") -> tuple[str, ...]:
    """Production types as codes (``solar`` -> ``B16``), sorted, no repeats; () when none given.
    An unknown one is a 422 naming ``field`` with the closest name."""
    codes = set()
    for value in split(values):
        try:
            codes.add(resolve_psr_type(value[:64]))
        except UnknownPsrTypeError as exc:
            close = get_close_matches(value.strip().lower(), list(BY_NAME), n=1)
            raise InvalidInputError(str(exc), field=field, suggestions=close) from None
    return tuple(sorted(codes))


def business_types(
    types: Sequence[str], wanted: str | None, field: str = "business_type"
) -> tuple[str, ...]:
    """The business types the items carry (sorted), or just ``wanted`` if one of them does."""
    offered = sorted({b for t in types for b in offered_business_types(t)})
    if wanted is None:
        return tuple(offered)
    if wanted not in offered:
        raise InvalidInputError(
            f"business type {wanted[:10]!r} does not occur for {', '.join(types)};"
            f" use one of {', '.join(offered)}",
            field=field,
        )
    return (wanted,)


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(value: str | None, field: str = "tz") -> ZoneInfo | None:
    """An IANA zone, or None for UTC (absent, "UTC" or "Etc/UTC")."""
    if value is None or value in UTC_NAMES:
        return None
    if value not in _zone_names():
        raise InvalidInputError(
            f"unknown time zone {value[:64]!r}; use an IANA name such as Europe/Berlin", field=field
        )
    return ZoneInfo(value)


def _utc(value: datetime, name: str) -> datetime:
    """``value`` in UTC; it must carry an offset and lie in EARLIEST..LATEST."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(
            f"{name} needs a UTC offset (e.g. 2024-01-01T00:00:00Z or +01:00)", field=name
        )
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = EARLIEST - (LATEST - EARLIEST)  # out of range either way
    if not EARLIEST <= utc <= LATEST:
        raise InvalidInputError(
            f"{name} must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}", field=name
        )
    return utc


def utc_range(
    start: datetime, end: datetime, start_field: str = "start", end_field: str = "end"
) -> tuple[datetime, datetime]:
    """[start, end) in UTC; both must carry an offset, lie in 1900..2200 and end > start."""
    lo, hi = _utc(start, start_field), _utc(end, end_field)
    if hi <= lo:
        raise InvalidInputError(f"{end_field} must be after {start_field}", field=end_field)
    return lo, hi


def optional_range(
    start: datetime | None, end: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """Like :func:`utc_range` where either bound may be absent (None: open on that side)."""
    if start is not None and end is not None:
        return utc_range(start, end)
    return (
        None if start is None else _utc(start, "start"),
        None if end is None else _utc(end, "end"),
    )
