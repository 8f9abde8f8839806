"""GET /energy-data with ``layout=wide``: read like the long layout (native rows by binary COPY,
or the SQL aggregation), then pivot in numpy onto the common grid (:mod:`app.api.energy.wide`).

The points limit applies to the stored points (or buckets) read, as in the long layout, and to
the rows of the frame (instants of the grid). Every format is built in memory from the frame
(bounded by that limit), so the database connection is free before the first byte is sent.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import orjson

from app.api.energy import render, render_csv, wide
from app.api.energy.expected import summaries
from app.api.energy.reads import (
    Fields,
    json_response,
    native,
    references,
    stored_spans,
    too_many,
)
from app.api.params import Format
from app.api.responses import JSON_OPTIONS
from app.api.streaming import PacedResponse
from app.config import ApiSettings
from app.domain.timegrid import bucket_count
from app.entsoe.areas import Area
from app.exceptions import InvalidInputError
from app.repositories.readings import Readings
from app.repositories.readings_rows import Bucketing, RangeQuery


async def wide_answer(
    queries: Readings,
    area: Area,
    query: RangeQuery,
    business_type: str | None,
    bucketing: Bucketing | None,
    zone: ZoneInfo | None,
    fmt: Format,
    limits: ApiSettings,
    fields: Fields,
) -> PacedResponse:
    """The wide answer in ``fmt``: metadata as in the long layout plus ``layout`` and
    ``columns``; ``data`` records or columns keyed by column name (CSV: the frame)."""
    max_points = limits.max_points
    if bucketing is None:
        groups, cols = await native(queries, query, max_points, fields, zone)
        present = np.bincount(cols.group, minlength=len(groups)).tolist()
        grid = wide.native_grid(query, groups, cols, area.zone)
    else:
        groups = await queries.groups(query)
        per_series = bucket_count(
            query.start, query.end, bucketing.resolution, ZoneInfo(bucketing.tz)
        )
        if per_series * len(groups) > max_points:
            total = per_series * len(groups)
            raise await too_many(queries, query, total, max_points, bucketing, fields, zone)
        cols = await queries.buckets(query, groups, bucketing)
        present = [g.count for g in groups]
        grid = wide.bucket_grid(query, bucketing)
    if len(grid) > max_points:
        raise InvalidInputError(
            f"the frame would have {len(grid)} rows, more than the {max_points} one response"
            f" may carry: ask for a shorter range of {fields.start}..{fields.end}",
            field=fields.end,
        )
    series = summaries(
        query, groups, area, dict(enumerate(present)), await references(queries, query, groups)
    )
    stored = await stored_spans(queries, query, business_type, series)
    meta = render.metadata(area, query, business_type, bucketing, zone, series, stored)
    columns = wide.columns(series, groups)
    meta["layout"] = "wide"
    meta["columns"] = [
        {
            "name": c.name,
            "data_type": c.data_type,
            "psr_type": c.psr_type,
            "business_type": c.business_type,
        }
        for c in columns
    ]
    matrix = wide.frame(cols, grid, columns, len(groups))
    if fmt is not Format.CSV:
        data = wide.json_data(grid, matrix, columns, zone, columnar=fmt is Format.COLUMNAR)
        return json_response(orjson.dumps({**meta, "data": data}, option=JSON_OPTIONS), limits)
    # The frame is in memory already (the points limit bounds it): its text is sent from
    # memory too, not written to a spool file first.
    return PacedResponse(
        wide.csv_header(columns) + wide.csv_rows(grid, matrix, zone),
        media_type="text/csv; charset=utf-8",
        headers=render_csv.csv_headers(meta),
        send_timeout=limits.send_timeout,
    )
