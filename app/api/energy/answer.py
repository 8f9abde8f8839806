"""The shared path of GET /energy-data and /load-data: validate, check the limits, read, render.

Native json/columnar answers are one binary COPY (metadata computed from the same rows).
Aggregates and CSV read the per-series statistics first (the points limit is checked before any
row is read), then the data, in one snapshot. Every answer is complete (JSON in memory, CSV in a
spool) before it is sent, so the database connection is back in the pool while the client reads;
a range that could hold many points takes a heavy-read slot first (API__MAX_HEAVY_READS).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.exc import DBAPIError

from app.api import params as qp
from app.api.energy import render
from app.api.energy.expected import SeriesSummary, bucket_expected, match_buckets, summaries
from app.api.limits import HeavyReadSlot
from app.api.params import Aggregate, Format, Resolution
from app.api.streaming import PacedResponse, spool
from app.config import ApiSettings
from app.domain.timegrid import FINEST_STEP, bucket_count, bucket_floor
from app.entsoe.areas import Area
from app.entsoe.items import ITEMS, DataType
from app.exceptions import InvalidInputError, TooManyPointsError
from app.repositories.readings import Readings
from app.repositories.readings_rows import BucketExpected, Bucketing, Columns, Group, RangeQuery
from app.repositories.stored import StoredPoints, StoredSpan


@dataclass(frozen=True, slots=True)
class Fields:
    """Parameter names as the endpoint spells them (for error messages)."""

    start: str = "start"
    end: str = "end"


async def _use_zone(queries: Readings, tz: str) -> None:
    try:
        await queries.set_time_zone(tz)
    except DBAPIError:
        raise InvalidInputError(
            f"the database does not know time zone {tz!r}", field="tz"
        ) from None


async def _too_many(
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


def _most_rows(query: RangeQuery) -> int:
    """An upper bound of the rows in the range: every series at the finest resolution."""
    series = sum(
        len(set(ITEMS[DataType(t)].business_types) & set(query.business_types))
        for t in query.data_types
    )
    return series * math.ceil((query.end - query.start) / FINEST_STEP)


async def _native(
    queries: Readings, query: RangeQuery, max_points: int, fields: Fields, tz: ZoneInfo | None
) -> tuple[list[Group], Columns]:
    # Count first only when the range could hold too many rows; the COPY stops at limit + 1.
    if _most_rows(query) > max_points:
        total = await queries.count(query)
        if total > max_points:
            raise await _too_many(queries, query, total, max_points, None, fields, tz)
    try:
        return await queries.points(query, max_points)
    except TooManyPointsError:
        total = await queries.count(query)
        raise await _too_many(queries, query, total, max_points, None, fields, tz) from None


async def answer(
    queries: Readings,
    *,
    area: Area,
    data_types: Sequence[str] | None,
    business_type: str | None,
    start: datetime,
    end: datetime,
    resolution: Resolution | None,
    agg: Aggregate | None,
    tz: str | None,
    fmt: Format,
    limits: ApiSettings,
    slot: HeavyReadSlot,
    fields: Fields = Fields(),
) -> PacedResponse:
    """Validate every parameter, then answer in ``fmt`` (422 naming the parameter otherwise;
    503 when the read is heavy and every heavy-read slot is taken)."""
    zone = qp.zone(tz)
    start, end = qp.utc_range(start, end, fields.start, fields.end)
    types = qp.data_types(data_types)
    btypes = qp.business_types(types, business_type)
    if agg is not None and resolution is None:
        raise InvalidInputError("agg needs a resolution to aggregate to", field="agg")
    bucketing = None
    if resolution is not None:
        # Buckets follow the requested zone's calendar (UTC when asked for), else the area's.
        bucket_tz = "UTC" if tz is not None and zone is None else (zone.key if zone else area.tz)
        bucketing = Bucketing(resolution.value, (agg or Aggregate.MEAN).value, bucket_tz)
    query = RangeQuery(area.code, types, btypes, start, end)
    slot.admit(_most_rows(query))  # before any query: a refused read costs the database nothing
    max_points = limits.max_points

    if bucketing is None and fmt is not Format.CSV:
        groups, cols = await _native(queries, query, max_points, fields, zone)
        content = await _json(queries, area, query, business_type, None, zone, groups, cols, fmt)
        return _json_response(content, limits)

    if zone is not None:
        await _use_zone(queries, zone.key)  # the database renders or buckets in this zone
    groups = await queries.groups(query)
    if bucketing is None:
        total = sum(g.count for g in groups)
    else:
        per_series = bucket_count(start, end, bucketing.resolution, ZoneInfo(bucketing.tz))
        total = per_series * len(groups)
    if total > max_points:
        raise await _too_many(queries, query, total, max_points, bucketing, fields, zone)
    every = bucket_expected(query, groups, bucketing, area.zone) if bucketing else None
    if fmt is not Format.CSV:
        assert bucketing is not None and every is not None
        cols = match_buckets(await queries.buckets(query, groups, bucketing), every, len(groups))
        content = await _json(
            queries, area, query, business_type, bucketing, zone, groups, cols, fmt
        )
        return _json_response(content, limits)

    references = await _references(queries, query, groups)
    # Aggregated or not, present counts the stored rows in the range (known before any row is read).
    present = {i: g.count for i, g in enumerate(groups)}
    series = summaries(query, groups, area, present, references)
    stored = await _stored(queries, query, business_type, series)
    headers = render.csv_headers(
        render.metadata(area, query, business_type, bucketing, zone, series, stored)
    )
    body, size = await _spooled_csv(queries, query, groups, bucketing, zone, every, limits)
    return PacedResponse(
        body,
        size=size,
        media_type="text/csv; charset=utf-8",
        headers=headers,
        send_timeout=limits.send_timeout,
    )


async def _spooled_csv(
    queries: Readings,
    query: RangeQuery,
    groups: Sequence[Group],
    bucketing: Bucketing | None,
    zone: ZoneInfo | None,
    every: BucketExpected | None,
    limits: ApiSettings,
) -> tuple[IO[bytes], int]:
    """The CSV answer in a spool (read from its start) and its size: written as fast as the
    database renders it, so the connection is free before the first byte reaches the client."""
    body = spool(limits.spool_memory_bytes)
    try:
        size = body.write(render.csv_header(bucketing))
        size += await queries.csv(
            body, query, groups, bucketing, zoned=zone is not None, expected=every
        )
        body.seek(0)
    except BaseException:
        body.close()
        raise
    return body, size


def _json_response(content: bytes, limits: ApiSettings) -> PacedResponse:
    return PacedResponse(content, media_type="application/json", send_timeout=limits.send_timeout)


async def _references(
    queries: Readings, query: RangeQuery, groups: Sequence[Group]
) -> dict[str, tuple[str, datetime]]:
    """Where a requested item has no rows in the range, a stored row that fixes its grid."""
    missing = [t for t in query.data_types if t not in {g.data_type for g in groups}]
    return await queries.references(query.area_code, missing, query.end)


async def _stored(
    queries: Readings, query: RangeQuery, business_type: str | None, series: Sequence[SeriesSummary]
) -> list[StoredSpan]:
    """For an empty answer, what is stored of each requested item (else nothing: no reads)."""
    if any(s.present for s in series):
        return []
    stored = StoredPoints(queries.session)
    return [await stored.span(query.area_code, t, business_type) for t in query.data_types]


async def _json(
    queries: Readings,
    area: Area,
    query: RangeQuery,
    business_type: str | None,
    bucketing: Bucketing | None,
    zone: ZoneInfo | None,
    groups: list[Group],
    cols: Columns,
    fmt: Format,
) -> bytes:
    references = await _references(queries, query, groups)
    if bucketing is None:
        counts = np.bincount(cols.group[cols.group >= 0], minlength=len(groups)).tolist()
    else:  # native points aggregated, not buckets
        counts = [g.count for g in groups]
    series = summaries(query, groups, area, dict(enumerate(counts)), references)
    stored = await _stored(queries, query, business_type, series)
    meta = render.metadata(area, query, business_type, bucketing, zone, series, stored)
    return render.body(meta, cols, groups, bucketing, zone, columnar=fmt is Format.COLUMNAR)
