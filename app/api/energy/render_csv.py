"""The CSV answers' own parts: the header line (the rows come from the database or the wide
frame) and the metadata as response headers."""

from __future__ import annotations

from typing import Any

from app.domain.points import CSV_COLUMNS
from app.repositories.readings_rows import CSV_BUCKET_COLUMNS, Bucketing


def csv_header(bucketing: Bucketing | None) -> bytes:
    """The first line of a CSV body (the rows come from the database, see Readings.csv)."""
    return ",".join(CSV_COLUMNS if bucketing is None else CSV_BUCKET_COLUMNS).encode() + b"\n"


def csv_headers(meta: dict[str, Any]) -> dict[str, str]:
    """The metadata of a CSV answer, as response headers (the body is only rows)."""

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    headers = {
        "X-Area": meta["area"]["code"],
        "X-Unit": text(meta["unit"]),
        "X-Resolution": text(meta["resolution"]),
        "X-Sources": ",".join(meta["sources"]),
        "X-Revision-Number": text(meta["revision_number"]),
        "X-Issued-At": text(meta["issued_at"]),
        "X-Expected-Points": text(meta["expected_points"]),
        "X-Present-Points": text(meta["present_points"]),
    }
    if "stored" in meta:  # an empty answer: where the requested items are stored
        headers["X-Stored"] = ",".join(
            f"{s['data_type']}={text(s['first'])}/{text(s['last'])}" for s in meta["stored"]
        )
    if meta["agg"] is not None:
        # Aggregated: the counts are native stored points, not buckets; each row's own counts
        # are its points,expected_points,partial columns.
        headers["X-Point-Counts"] = "native points; per bucket: points,expected_points,partial"
    return headers
