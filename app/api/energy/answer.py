"""The shared path of GET /energy-data and /load-data: validate, check the limits, read, render.

Native json/columnar answers are one binary COPY (metadata computed from the same rows).
Aggregates and CSV read the per-series statistics first (the points limit is checked before any
row is read), then the data, in one snapshot. Every answer is complete (JSON in memory, CSV in a
spool) before it is sent, so the database connection is back in the pool while the client reads;
a range that could hold many points takes a heavy-read slot first (API__MAX_HEAVY_READS).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import IO
from zoneinfo import ZoneInfo

import numpy as np

from app.api import params as qp
from app.api.energy import render, render_csv
from app.api.energy.answer_wide import wide_answer
from app.api.energy.expected import bucket_expected, match_buckets, summaries
from app.api.energy.reads import (
    DEFAULT_FIELDS,
    Fields,
    build_query,
    json_response,
    most_rows,
    native,
    references,
    stored_spans,
    too_many,
    use_zone,
)
from app.api.limits import HeavyReadSlot
from app.api.params import Aggregate, Format, Layout, Resolution
from app.api.streaming import PacedResponse, spool
from app.config import ApiSettings
from app.domain.timegrid import bucket_count
from app.entsoe.areas import Area
from app.exceptions import InvalidInputError
from app.repositories.readings import Readings
from app.repositories.readings_rows import BucketExpected, Bucketing, Columns, Group, RangeQuery


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
    fields: Fields = DEFAULT_FIELDS,
    psr_type: Sequence[str] | None = None,
    layout: Layout = Layout.LONG,
) -> PacedResponse:
    """Validate every parameter, then answer in ``fmt`` (422 naming the parameter otherwise;
    503 when the read is heavy and every heavy-read slot is taken)."""
    zone = qp.zone(tz)
    start, end = qp.utc_range(start, end, fields.start, fields.end)
    types = qp.data_types(data_types, derived=True)
    query = build_query(area, types, business_type, psr_type, start, end)
    if agg is not None and resolution is None:
        raise InvalidInputError("agg needs a resolution to aggregate to", field="agg")
    bucketing = None
    if resolution is not None:
        # Buckets follow the requested zone's calendar (UTC when asked for), else the area's.
        bucket_tz = "UTC" if tz is not None and zone is None else (zone.key if zone else area.tz)
        bucketing = Bucketing(resolution.value, (agg or Aggregate.MEAN).value, bucket_tz)
    slot.admit(most_rows(query))  # before any query: a refused read costs the database nothing
    max_points = limits.max_points
    if layout is Layout.WIDE:
        return await wide_answer(
            queries, area, query, business_type, bucketing, zone, fmt, limits, fields
        )

    if bucketing is None and fmt is not Format.CSV:
        groups, cols = await native(queries, query, max_points, fields, zone)
        content = await _json(queries, area, query, business_type, None, zone, groups, cols, fmt)
        return json_response(content, limits)

    if zone is not None:
        await use_zone(queries, zone.key)  # the database renders or buckets in this zone
    groups = await queries.groups(query)
    if bucketing is None:
        total = sum(g.count for g in groups)
    else:
        per_series = bucket_count(start, end, bucketing.resolution, ZoneInfo(bucketing.tz))
        total = per_series * len(groups)
    if total > max_points:
        raise await too_many(queries, query, total, max_points, bucketing, fields, zone)
    every = bucket_expected(query, groups, bucketing, area.zone) if bucketing else None
    if fmt is not Format.CSV:
        assert bucketing is not None and every is not None
        cols = match_buckets(await queries.buckets(query, groups, bucketing), every, len(groups))
        content = await _json(
            queries, area, query, business_type, bucketing, zone, groups, cols, fmt
        )
        return json_response(content, limits)

    refs = await references(queries, query, groups)
    # Aggregated or not, present counts the stored rows in the range (known before any row is read).
    present = {i: g.count for i, g in enumerate(groups)}
    series = summaries(query, groups, area, present, refs)
    stored = await stored_spans(queries, query, business_type, series)
    headers = render_csv.csv_headers(
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
        size = body.write(render_csv.csv_header(bucketing))
        size += await queries.csv(
            body, query, groups, bucketing, zoned=zone is not None, expected=every
        )
        body.seek(0)
    except BaseException:
        body.close()
        raise
    return body, size


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
    refs = await references(queries, query, groups)
    if bucketing is None:
        counts = np.bincount(cols.group[cols.group >= 0], minlength=len(groups)).tolist()
    else:  # native points aggregated, not buckets
        counts = [g.count for g in groups]
    series = summaries(query, groups, area, dict(enumerate(counts)), refs)
    stored = await stored_spans(queries, query, business_type, series)
    meta = render.metadata(area, query, business_type, bucketing, zone, series, stored)
    return render.body(meta, cols, groups, bucketing, zone, columnar=fmt is Format.COLUMNAR)
