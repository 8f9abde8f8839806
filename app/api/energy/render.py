"""Query results -> response bodies: metadata, JSON records, columnar JSON, CSV header lines.

Timestamps are rendered in the requested zone (``2024-03-31T03:00:00+02:00``) or in UTC with a
``Z``; quantities are JSON numbers. numpy columns go to orjson as arrays, so one year of points
serialises in about a millisecond in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import orjson
from fastapi.responses import Response

from app.api.energy.expected import SeriesSummary
from app.api.responses import JSON_OPTIONS, OrjsonResponse
from app.domain.timegrid import EPOCH
from app.entsoe.areas import Area
from app.repositories.readings_rows import (
    ALL_PSR_TYPES,
    Bucketing,
    Columns,
    Group,
    RangeQuery,
)
from app.repositories.stored import StoredSpan


def json_response(content: Any) -> Response:
    """A JSON answer serialised by orjson (numpy arrays and datetimes included)."""
    return OrjsonResponse(content)


def stamp(t: datetime | None, zone: ZoneInfo | None) -> str | None:
    """One timestamp as ISO 8601, the year always four digits: in ``zone`` with its offset, or
    UTC with ``Z``; also UTC when the local time has no year in 1..9999 (0001-01-01T00:00Z is
    in year 0 west of Greenwich)."""
    if t is None:
        return None
    if zone is not None:
        try:
            return t.astimezone(zone).isoformat()
        except OverflowError:
            pass
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def timestamps(epoch_us: npt.NDArray[np.int64], zone: ZoneInfo | None, *, as_list: bool) -> Any:
    """A column of UTC epoch microseconds as values orjson renders in ISO 8601.

    UTC: a datetime64 array (or naive datetimes, rendered with ``Z``); a zone: aware datetimes,
    one per value, each with the offset in force at that instant (DST-correct by construction).
    """
    if zone is None:
        utc = epoch_us.astype("datetime64[us]")
        return utc.tolist() if as_list else utc
    if not (epoch_us % 1_000_000).any():
        local = [datetime.fromtimestamp(s, zone) for s in (epoch_us // 1_000_000).tolist()]
    else:
        local = [(EPOCH + timedelta(microseconds=u)).astimezone(zone) for u in epoch_us.tolist()]
    # orjson rounds an offset to whole minutes; local mean times (Africa/Monrovia -00:44:30
    # until 1972) keep their seconds only as text.
    if any(t.utcoffset().seconds % 60 for t in local):  # type: ignore[union-attr]
        return [t.isoformat() for t in local]
    return local


def _series_body(
    s: SeriesSummary, bucketing: Bucketing | None, zone: ZoneInfo | None
) -> dict[str, Any]:
    parts = s.group.parts if s.group else ()
    natives = sorted({p.resolution for p in parts})
    units = sorted({p.unit for p in parts})
    return {
        "data_type": s.data_type,
        "psr_type": s.psr_type,
        "business_type": s.business_type,
        "unit": units[0] if len(units) == 1 else None,
        "resolution": bucketing.resolution
        if bucketing
        else (natives[0] if len(natives) == 1 else None),
        "native_resolutions": natives,
        "sources": sorted({p.data_source for p in parts}),
        "revision_number": max((p.revision_number for p in parts), default=None),
        "issued_at": stamp(max((p.issued_at for p in parts), default=None), zone),
        "first": stamp(min((p.first for p in parts), default=None), zone),
        "last": stamp(max((p.last for p in parts), default=None), zone),
        "expected_points": s.expected,
        "present_points": s.present,
    }


def metadata(
    area: Area,
    query: RangeQuery,
    business_type: str | None,
    bucketing: Bucketing | None,
    tz: ZoneInfo | None,
    series: Sequence[SeriesSummary],
    stored: Sequence[StoredSpan] = (),
) -> dict[str, Any]:
    """The response's description of itself (everything but the data).

    ``stored`` (given for an empty answer): what is stored of each requested item, so that an
    answer asked outside it says where the data is (spans with a ``psr_type`` only name the
    production types stored, see :func:`app.api.energy.reads.stored_spans`).
    """
    bodies = [_series_body(s, bucketing, tz) for s in series]
    units = sorted({b["unit"] for b in bodies if b["unit"]})
    resolutions = sorted({r for b in bodies for r in b["native_resolutions"]})
    revisions = [b["revision_number"] for b in bodies if b["revision_number"] is not None]
    issued = [p.issued_at for s in series if s.group for p in s.group.parts]
    # Items never stored have no known grid: their expected_points is null and not summed.
    expected = [s.expected for s in series if s.expected is not None]
    meta = {
        "area": {"code": area.code, "eic": area.eic, "name": area.name, "tz": area.tz},
        "data_types": list(query.data_types),
        "psr_types": [p for p in query.psr_types if p]
        if query.psr_types != ALL_PSR_TYPES
        else None,
        "business_type": business_type,
        "start": stamp(query.start, tz),
        "end": stamp(query.end, tz),
        "tz": tz.key if tz else "UTC",
        "resolution": bucketing.resolution
        if bucketing
        else (resolutions[0] if len(resolutions) == 1 else None),
        "agg": bucketing.agg if bucketing else None,
        "layout": "long",
        "unit": units[0] if len(units) == 1 else None,
        "sources": sorted({src for b in bodies for src in b["sources"]}),
        "revision_number": max(revisions, default=None),
        "issued_at": stamp(max(issued, default=None), tz),
        "expected_points": sum(expected),
        "present_points": sum(s.present for s in series),
        "series": bodies,
    }
    if stored:
        meta["stored"] = [
            {
                "data_type": s.data_type,
                "first": stamp(s.first, tz),
                "last": stamp(s.last, tz),
                "count": s.count,
                "psr_types": [
                    p.psr_type for p in stored if p.psr_type and p.data_type == s.data_type
                ],
            }
            for s in stored
            if not s.psr_type
        ]
        held = [
            f"{s.data_type} {stamp(s.first, tz)}..{stamp(s.last, tz)}"
            for s in stored
            if s.count and not s.psr_type
        ]
        meta["note"] = f"nothing stored in [{meta['start']}, {meta['end']}); stored: " + (
            "; ".join(held) if held else "nothing for these data types"
        )
    return meta


def row_labels(
    cols: Columns, groups: Sequence[Group], bucketing: Bucketing | None
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Per-row data type, business type, resolution and production type (lists, as orjson
    wants them)."""
    data_types: list[str] = []
    business_types: list[str] = []
    resolutions: list[str] = []
    psr_types: list[str] = []
    bounds = np.flatnonzero(np.diff(cols.group)) + 1
    for lo, hi in zip([0, *bounds.tolist()], [*bounds.tolist(), len(cols)], strict=True):
        if hi <= lo:
            continue
        group = groups[int(cols.group[lo])]
        data_types += [group.data_type] * (hi - lo)
        business_types += [group.business_type] * (hi - lo)
        psr_types += [group.psr_type] * (hi - lo)
        if bucketing is not None:
            resolutions += [bucketing.resolution] * (hi - lo)
        elif len({p.resolution for p in group.parts}) == 1:
            resolutions += [group.parts[0].resolution] * (hi - lo)
        else:
            assert cols.series_id is not None
            of = {p.series_id: p.resolution for p in group.parts}
            resolutions += [of.get(int(s), "") for s in cols.series_id[lo:hi].tolist()]
    return data_types, business_types, resolutions, psr_types


def body(
    meta: dict[str, Any],
    cols: Columns,
    groups: Sequence[Group],
    bucketing: Bucketing | None,
    tz: ZoneInfo | None,
    *,
    columnar: bool,
) -> bytes:
    """The JSON document: metadata plus ``data`` as records or as one array per field."""
    data_types, business_types, resolutions, psr_types = row_labels(cols, groups, bucketing)
    if columnar:
        data: Any = {
            "timestamp": timestamps(cols.epoch_us, tz, as_list=False),
            "data_type": data_types,
            "business_type": business_types,
            "psr_type": psr_types,
            "quantity": cols.quantity,
            "resolution": resolutions,
        }
        if cols.points is not None:
            data["points"] = cols.points
        if cols.expected is not None and cols.partial is not None:
            data["expected_points"] = [None if n < 0 else n for n in cols.expected.tolist()]
            data["partial"] = cols.partial
    else:
        stamps = timestamps(cols.epoch_us, tz, as_list=True)
        quantities = cols.quantity.tolist()
        rows = zip(
            stamps, data_types, business_types, psr_types, quantities, resolutions, strict=True
        )
        data = [
            {
                "timestamp": t,
                "data_type": d,
                "business_type": b,
                "psr_type": p,
                "quantity": q,
                "resolution": r,
            }
            for t, d, b, p, q, r in rows
        ]
        if cols.points is not None:
            for record, n in zip(data, cols.points.tolist(), strict=True):
                record["points"] = n
        if cols.expected is not None and cols.partial is not None:
            extra = zip(data, cols.expected.tolist(), cols.partial.tolist(), strict=True)
            for record, e, cut in extra:
                record["expected_points"] = None if e < 0 else e
                record["partial"] = cut
    return orjson.dumps({**meta, "data": data}, option=JSON_OPTIONS)
