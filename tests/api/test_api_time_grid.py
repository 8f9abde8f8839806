"""Expected-point arithmetic (UTC and local calendars) and the binary COPY decoder, no database."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from app.repositories import pg_binary
from app.services.coverage import bucket_count, bucket_floor, grid_count
from tests.api.support import BRUSSELS, local

UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("start", "end", "resolution", "n"),
    [
        (local(2024, 3, 31), local(2024, 4, 1), "PT15M", 92),
        (local(2024, 10, 27), local(2024, 10, 28), "PT15M", 100),
        (local(2024, 10, 27), local(2024, 10, 28), "PT60M", 25),
        (local(2024, 10, 27), local(2024, 10, 28), "PT30M", 50),
        (local(2024, 1, 1), local(2025, 1, 1), "P1D", 366),
        (local(2024, 1, 1), local(2025, 1, 1), "P1M", 12),
        (local(2024, 1, 1), local(2026, 1, 1), "P1Y", 2),
        (local(2024, 3, 25), local(2024, 4, 8), "P7D", 2),
        (local(2024, 1, 1), local(2024, 1, 1), "PT15M", 0),
    ],
)
def test_grid_count_through_the_start(
    start: datetime, end: datetime, resolution: str, n: int
) -> None:
    assert grid_count(start, start, end, resolution, BRUSSELS) == n


def test_grid_count_is_half_open_and_anchor_aligned() -> None:
    anchor = datetime(2024, 1, 1, 0, 5, tzinfo=UTC)  # a grid at :05, :20, :35, :50
    start = datetime(2024, 1, 1, 1, 0, tzinfo=UTC)
    assert grid_count(anchor, start, start + timedelta(hours=1), "PT15M", UTC_ZONE) == 4
    assert grid_count(anchor, start, start + timedelta(minutes=5), "PT15M", UTC_ZONE) == 0
    assert (
        grid_count(anchor, start, start + timedelta(minutes=5, seconds=1), "PT15M", UTC_ZONE) == 1
    )
    # an anchor far after the range extends the grid backwards
    later = datetime(2030, 6, 1, tzinfo=UTC)
    assert grid_count(later, local(2024, 3, 31), local(2024, 4, 1), "PT15M", BRUSSELS) == 92
    assert (
        grid_count(local(2030, 6, 1), local(2024, 3, 30), local(2024, 4, 2), "P1D", BRUSSELS) == 3
    )
    with pytest.raises(ValueError, match="unknown resolution"):
        grid_count(start, start, later, "PT5M", UTC_ZONE)


def test_bucket_floor_in_local_calendars() -> None:
    t = datetime(2024, 3, 31, 12, 7, 30, tzinfo=UTC)  # 14:07:30 CEST, a Sunday
    assert bucket_floor(t, "PT15M", BRUSSELS) == datetime(2024, 3, 31, 12, 0, tzinfo=UTC)
    assert bucket_floor(t, "PT1H", BRUSSELS) == datetime(2024, 3, 31, 12, 0, tzinfo=UTC)
    assert bucket_floor(t, "P1D", BRUSSELS) == local(2024, 3, 31)  # 23:00Z the day before
    assert bucket_floor(t, "P7D", BRUSSELS) == local(2024, 3, 25)  # Monday
    assert bucket_floor(t, "P1M", BRUSSELS) == local(2024, 3, 1)
    # buckets overlapping [start, end): partial first and last days count
    start, end = local(2024, 3, 30, 12), local(2024, 4, 1, 1)
    assert bucket_count(start, end, "P1D", BRUSSELS) == 3
    assert bucket_count(start, end, "P1D", UTC_ZONE) == 2  # 30 and 31 March, UTC days
    assert bucket_count(local(2024, 10, 27), local(2024, 10, 28), "PT1H", BRUSSELS) == 25


def _copy(rows: list[tuple[int, ...]], fmt: str) -> bytes:
    body = b"".join(
        struct.pack(">h", len(row))
        + b"".join(
            struct.pack(">i", struct.calcsize(">" + f)) + struct.pack(">" + f, v)
            for f, v in zip(fmt, row, strict=True)
        )
        for row in rows
    )
    return pg_binary.SIGNATURE + struct.pack(">ii", 0, 0) + body + pg_binary.TRAILER


def test_binary_copy_decoding() -> None:
    us_2024 = (datetime(2024, 1, 1, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)) // timedelta(
        microseconds=1
    )
    data = _copy([(1, us_2024, 12345), (2, us_2024 + 900_000_000, -5)], "hqq")
    cols = pg_binary.decode(data, [("a", "int2"), ("ts", "timestamptz"), ("v", "int8")])
    assert cols["a"].tolist() == [1, 2]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert [epoch + timedelta(microseconds=u) for u in cols["ts"].tolist()] == [
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 1, 0, 15, tzinfo=UTC),
    ]
    assert cols["v"].dtype == np.int64 and cols["v"].tolist() == [12345, -5]
    empty = pg_binary.decode(
        _copy([], "hqq"), [("a", "int2"), ("ts", "timestamptz"), ("v", "int8")]
    )
    assert len(empty["a"]) == 0


def test_binary_copy_rejects_what_it_cannot_read_exactly() -> None:
    columns = [("a", "int2"), ("b", "int4")]
    with pytest.raises(ValueError, match="complete"):
        pg_binary.decode(b"not a copy stream", columns)
    with pytest.raises(ValueError, match="complete"):
        pg_binary.decode(_copy([(1, 2)], "hi")[:-2], columns)
    null = _copy([(1, 2)], "hi").replace(
        struct.pack(">i", 4) + struct.pack(">i", 2), struct.pack(">i", -1) + b"\x00\x00\x00\x00"
    )
    with pytest.raises(ValueError, match="NULL"):
        pg_binary.decode(null, columns)
    with pytest.raises(ValueError, match="width"):
        pg_binary.decode(_copy([(1, 2, 3)], "hih"), columns)
