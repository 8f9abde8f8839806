"""The binary COPY decoder (app.repositories.pg_copy), on hand-built payloads, no database."""

from __future__ import annotations

import random
import struct
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from app.repositories import pg_copy


def _copy(rows: list[tuple[int, ...]], fmt: str) -> bytes:
    body = b"".join(
        struct.pack(">h", len(row))
        + b"".join(
            struct.pack(">i", struct.calcsize(">" + f)) + struct.pack(">" + f, v)
            for f, v in zip(fmt, row, strict=True)
        )
        for row in rows
    )
    return pg_copy.SIGNATURE + struct.pack(">ii", 0, 0) + body + pg_copy.TRAILER


def test_binary_copy_decoding() -> None:
    us_2024 = (datetime(2024, 1, 1, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)) // timedelta(
        microseconds=1
    )
    data = _copy([(1, us_2024, 12345), (2, us_2024 + 900_000_000, -5)], "hqq")
    cols = pg_copy.decode(data, [("a", "int2"), ("ts", "timestamptz"), ("v", "int8")])
    assert cols["a"].tolist() == [1, 2]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert [epoch + timedelta(microseconds=u) for u in cols["ts"].tolist()] == [
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 1, 0, 15, tzinfo=UTC),
    ]
    assert cols["v"].dtype == np.int64 and cols["v"].tolist() == [12345, -5]
    empty = pg_copy.decode(_copy([], "hqq"), [("a", "int2"), ("ts", "timestamptz"), ("v", "int8")])
    assert len(empty["a"]) == 0


def test_binary_copy_rejects_what_it_cannot_read_exactly() -> None:
    columns = [("a", "int2"), ("b", "int4")]
    with pytest.raises(ValueError, match="complete"):
        pg_copy.decode(b"not a copy stream", columns)
    with pytest.raises(ValueError, match="complete"):
        pg_copy.decode(_copy([(1, 2)], "hi")[:-2], columns)
    null = _copy([(1, 2)], "hi").replace(
        struct.pack(">i", 4) + struct.pack(">i", 2), struct.pack(">i", -1) + b"\x00\x00\x00\x00"
    )
    with pytest.raises(ValueError, match="NULL"):
        pg_copy.decode(null, columns)
    with pytest.raises(ValueError, match="number of columns"):
        pg_copy.decode(_copy([(1, 2, 3)], "hih"), columns)
    swapped = _copy([(1, 2)], "iq")  # the same row width as (int8, int4)
    with pytest.raises(ValueError, match="column a: NULL or not a int8"):
        pg_copy.decode(swapped, [("a", "int8"), ("b", "int4")])
    with pytest.raises(ValueError, match="width"):
        pg_copy.decode(_copy([(1, 2)], "hi")[:-2] + b"\x00\x01\x00" + pg_copy.TRAILER, columns)


def test_binary_copy_decodes_a_stream_cut_anywhere() -> None:
    """Chunks split rows (and the header) anywhere; batches decode the whole rows so far."""
    columns = [("a", "int2"), ("ts", "timestamptz"), ("v", "int8")]
    rows = [(i, i * 900_000_000, i * i - 500) for i in range(1000)]
    data = _copy(rows, "hqq")
    cuts = sorted(random.Random(7).sample(range(1, len(data)), 300))
    decoder = pg_copy.Decoder(columns, batch_bytes=700)
    for lo, hi in zip([0, *cuts], [*cuts, len(data)], strict=True):
        decoder.feed(data[lo:hi])
    cols = decoder.finish()
    assert cols["a"].tolist() == [r[0] for r in rows]
    assert (cols["ts"] - pg_copy.PG_EPOCH_US).tolist() == [r[1] for r in rows]
    assert cols["v"].tolist() == [r[2] for r in rows]
    assert len(decoder._parts) > 10  # decoded batch by batch, not at the end
