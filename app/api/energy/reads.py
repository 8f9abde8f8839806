"""What the long and wide answers of GET /energy-data share: the query of validated parameters,
the points limit (and the 422 that says how to split), the native read, reference grids and
stored spans for empty answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from app.api import params as qp
from app.api.energy import render
from app.api.energy.expected import SeriesSummary, missing_references
from app.api.streaming import PacedResponse
from app.config import ApiSettings
from app.domain.points import NO_PSR
from app.domain.timegrid import FINEST_STEP, bucket_floor
from app.entsoe.areas import Area
from app.exceptions import InvalidInputError, TooManyPointsError
from app.repositories.readings import Readings
from app.repositories.readings_derived import DERIVED_TYPES
from app.repositories.readings_rows import ALL_PSR_TYPES, Bucketing, Columns, Group, RangeQuery
from app.repositories.stored import StoredPoints, StoredSpan


@dataclass(frozen=True, slots=True)
class Fields:
    """Parameter names as the endpoint spells them (for error messages)."""

    start: str = "start"
    end: str = "end"


DEFAULT_FIELDS = Fields()


async def use_zone(queries: Readings, tz: str) -> None:
    try:
        await queries.set_time_zone(tz)
    except DBAPIError:
        raise InvalidInputError(
            f"the database does not know time zone {tz!r}", field="tz"
        ) from None


async def too_many(
    queries: Readings,
    query: RangeQuery,
    total: int,
    max_points: int,
    bucketing: Bucketing | None,
    fields: Fields,
    tz: ZoneInfo | None,
) -> InvalidInputError:
    """The 422 for an answer over ``max_points``: how many parts, and an end that fits."""
    parts = math.ceil(total / max_points)
    if bucketing is None:
        end = await queries.suggested_end(query, max_points)
    else:
        guess = query.start + (query.end - query.start) / parts
        end = bucket_floor(guess, bucketing.resolution, ZoneInfo(bucketing.tz))
    fits = render.stamp(end, tz) if end is not None and end > query.start else None
    hint = f" (e.g. end={fits} first)" if fits else ""
    other = " or ask for a coarser resolution" if bucketing else " or aggregate with resolution"
    return InvalidInputError(
        f"{fields.start}..{fields.end} holds {total} points, more than the {max_points} one"
        f" response may carry: split it into at least {parts} requests{hint}{other}",
        field=fields.end,
        parts=parts,
        suggested_end=fits,
    )


def most_rows(query: RangeQuery) -> int:
    """An upper bound of the rows in the range: every series at the finest resolution."""
    psrs = len([p for p in query.psr_types if p])
    series = sum(
        len(set(qp.offered_business_types(t)) & set(query.business_types))
        * (psrs if qp.per_psr(t) else 1)
        for t in query.data_types
    )
    return series * math.ceil((query.end - query.start) / FINEST_STEP)


def build_query(
    area: Area,
    types: tuple[str, ...],
    business_type: str | None,
    psr_type: Sequence[str] | None,
    start: datetime,
    end: datetime,
) -> RangeQuery:
    """The query of validated parameters; production types asked for only filter the data
    types that have them (load keeps its rows beside ``psr_type=solar``)."""
    btypes = qp.business_types(types, business_type)
    asked = qp.psr_types(psr_type)
    psrs = ALL_PSR_TYPES
    if asked:
        if not any(qp.per_psr(t) for t in types):
            raise InvalidInputError(
                f"psr_type filters data types with production types; {', '.join(types)}"
                " have none (e.g. add data_type=generation)",
                field="psr_type",
            )
        psrs = tuple(sorted({*asked, *(NO_PSR for t in types if not qp.per_psr(t))}))
    return RangeQuery(
        area.code, types, btypes, start, end, psrs, filter_business=business_type is not None
    )


async def native(
    queries: Readings, query: RangeQuery, max_points: int, fields: Fields, tz: ZoneInfo | None
) -> tuple[list[Group], Columns]:
    # No count first: the COPY stops at limit + 1 rows, and only then is everything counted
    # (for the 422's message). Counting first cost every large answer a second read of its
    # index range (0.18 s of a year of 20 production types) to spare only refused ones.
    try:
        return await queries.points(query, max_points)
    except TooManyPointsError:
        total = await queries.count(query)
        raise await too_many(queries, query, total, max_points, None, fields, tz) from None


def json_response(content: bytes, limits: ApiSettings) -> PacedResponse:
    return PacedResponse(content, media_type="application/json", send_timeout=limits.send_timeout)


async def references(
    queries: Readings, query: RangeQuery, groups: Sequence[Group]
) -> dict[tuple[str, str], tuple[str, datetime]]:
    """Where a requested series has no rows in the range, a stored row that fixes its grid."""
    return await queries.references(query.area_code, missing_references(query, groups), query.end)


async def stored_spans(
    queries: Readings, query: RangeQuery, business_type: str | None, series: Sequence[SeriesSummary]
) -> list[StoredSpan]:
    """For an empty answer, what is stored of each requested item (else nothing: no reads): one
    span per data type (every production type together, ``psr_type`` ""), then one per stored
    production type of the data types that have them (index probes, not counted: count 0)."""
    if any(s.present for s in series):
        return []
    stored = StoredPoints(queries.session)
    types = [t for t in query.data_types if t not in DERIVED_TYPES]
    spans = [await stored.span(query.area_code, t, business_type) for t in types]
    pairs = [(t, p) for t in types if qp.per_psr(t) for p in ALL_PSR_TYPES if p]
    found = await queries.stored_psr_types(query.area_code, pairs) if pairs else []
    return spans + [StoredSpan(query.area_code, t, None, None, 0, p) for t, p in found]
