"""Which ENTSO-E requests a choice of data types takes, and what each request stores.

Some items come in another's documents (:attr:`app.entsoe.items.Item.fetched_with`): an A75
document holds ``generation`` and ``generation_consumption``, an A71 ``generation_forecast`` and
``consumption_forecast``. Collecting one of them asks for its request's data type, so asking for
both makes one request per window, and the bookkeeping (the (area, item) lock, ``collection_runs``
and ``backfill_windows`` rows) is kept per request data type.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from app.entsoe.items import ITEMS, DataType

ALL: Final = "all"  # every item


def parse_data_types(values: Iterable[str]) -> list[DataType]:
    """Names (``all`` for every item) -> data types, in the order given, without repeats.

    Raises ValueError naming the first unknown value.
    """
    out: dict[DataType, None] = {}
    for value in values:
        name = value.strip()
        if not name:
            continue
        if name.lower() == ALL:
            out.update(dict.fromkeys(DataType))
            continue
        try:
            out[DataType(name)] = None
        except ValueError:
            raise ValueError(f"unknown data type {name!r}") from None
    return list(out)


def request_type(data_type: DataType | str) -> DataType:
    """The data type whose request fetches ``data_type`` (itself for most items)."""
    return ITEMS[DataType(data_type)].request


def request_types(data_types: Iterable[DataType | str]) -> list[DataType]:
    """The request data types that fetch ``data_types``, in first-asked order, each once."""
    return list(dict.fromkeys(request_type(t) for t in data_types))


def stored_by(request: DataType | str) -> tuple[DataType, ...]:
    """Every data type one request of ``request`` stores: itself, then those fetched with it."""
    dt = request_type(request)
    return (dt, *(t for t, item in ITEMS.items() if item.fetched_with is dt))


def label(request: DataType | str) -> str:
    """``generation+generation_consumption``: a request data type with what it also stores."""
    return "+".join(stored_by(request))
