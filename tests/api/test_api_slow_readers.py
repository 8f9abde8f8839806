"""Slow and vanishing readers of large answers, over real HTTP (uvicorn on a loopback port).

A client that does not read (a raw socket with a small receive buffer that reads only the status
line) must hold no database connection: everything else still answers at once, and a heavy read
over API__MAX_HEAVY_READS is a fast 503 with Retry-After. A client that closes a download early
is one debug line, no error, and the connection goes back to the pool clean.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
import structlog
from sqlalchemy import text
from structlog.testing import LogCapture

from app.db.database import Database
from app.main import create_app
from tests.api.support import Dataset, running, serving, settings_for

pytestmark = pytest.mark.db

AREA = "PL"
# Six years of quarter-hours: about 210,000 rows, an 11 MB CSV, far more than the socket
# buffers between the server and a client that does not read.
BIG = {"area": AREA, "start": "2018-01-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"}
BIG_CSV = "/api/v1/energy-data?" + urlencode({**BIG, "format": "csv"})
BIG_JSON = "/api/v1/energy-data?" + urlencode({**BIG, "format": "columnar"})
SMALL = {"area": AREA, "start": "2023-06-01T00:00:00Z", "end": "2023-06-02T00:00:00Z"}
FAST = 2.0  # seconds within which an answer counts as "at once"


@pytest.fixture(scope="module")
async def big_series(database: Database, dataset: Dataset) -> AsyncIterator[None]:
    """The six years, stored (committed) for this module's tests and removed afterwards."""
    async with database.session() as session:
        await session.execute(
            text(
                """
                WITH s AS (
                    INSERT INTO energy_series (document_mrid, revision_number, time_series_mrid,
                                               unit, resolution, curve_type, data_source)
                    VALUES ('slow-readers', 1, 'ts-1', 'MAW', 'PT15M', 'A01', 'entsoe')
                    RETURNING id
                )
                INSERT INTO energy_data_points (area_code, data_type, timestamp, business_type,
                    quantity, revision_number, document_created_at, series_id)
                SELECT :area, 'actual', t, 'A04', 10000 + (extract(epoch FROM t)::bigint % 7919)
                       / 1000.0, 1, '2024-01-01T00:00:00Z', s.id
                FROM s, generate_series(timestamptz '2018-01-01T00:00:00Z',
                                        timestamptz '2023-12-31T23:45:00Z', interval '15 min') t
                """
            ),
            {"area": AREA},
        )
    try:
        yield
    finally:
        async with database.session() as session:
            await session.execute(
                text("DELETE FROM energy_data_points WHERE area_code = :area"), {"area": AREA}
            )
            await session.execute(
                text("DELETE FROM energy_series WHERE document_mrid = 'slow-readers'")
            )


def unread(base: str, path: str) -> tuple[socket.socket, bytes]:
    """Send a GET and read only the first bytes of the answer (its status line), never more."""
    where = urlsplit(base)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(30)  # the spool may take a few seconds to fill on a busy machine
    sock.connect((where.hostname, where.port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {where.netloc}\r\n\r\n".encode())
    return sock, sock.recv(64)


def timed_get(base: str, path: str, **params: str) -> tuple[httpx.Response, float]:
    began = time.monotonic()
    # Bounded: the old code made these wait for the pool (30 s); the test fails, not hangs.
    response = httpx.get(base + path, params=params or None, timeout=FAST * 3)
    return response, time.monotonic() - began


def test_readers_that_do_not_read_hold_no_database_connection(
    database_url: str, big_series: None
) -> None:
    # Two pooled connections and three heavy reads: without the fix, two clients that do not
    # read a CSV pin the whole pool.
    settings = settings_for(
        database_url,
        database={"pool_size": 2, "max_overflow": 0, "pool_timeout": 10},
        max_heavy_reads=3,
        heavy_read_points=20_000,
    )
    with serving(create_app(settings)) as base, ExitStack() as stack:
        for path in (BIG_CSV, BIG_CSV, BIG_JSON):  # CSV is spooled, JSON rendered in memory
            sock, head = unread(base, path)
            stack.callback(sock.close)
            assert head.startswith(b"HTTP/1.1 200"), head

        ready, took = timed_get(base, "/ready")
        assert (ready.status_code, ready.json()["status"]) == (200, "ready")
        assert took < FAST
        small, took = timed_get(base, "/api/v1/energy-data", **SMALL)
        assert small.status_code == 200 and small.json()["present_points"] == 96
        assert took < FAST
        small_csv, took = timed_get(base, "/api/v1/energy-data", **SMALL, format="csv")
        assert small_csv.status_code == 200 and len(small_csv.text.splitlines()) == 97
        assert took < FAST

        for path in (BIG_CSV, BIG_JSON):  # a fourth heavy read, in any format
            busy, took = timed_get(base, path)
            assert busy.status_code == 503, busy.text
            assert int(busy.headers["retry-after"]) >= 1
            assert busy.json()["detail"].startswith("too many large reads")
            assert took < FAST


def test_a_reader_that_stops_reading_is_cut_and_frees_its_slot(
    database_url: str, big_series: None
) -> None:
    settings = settings_for(
        database_url,
        max_heavy_reads=1,
        heavy_read_points=20_000,
        send_timeout=1.0,
    )
    with serving(create_app(settings)) as base:
        sock, head = unread(base, BIG_CSV)
        with sock:
            assert head.startswith(b"HTTP/1.1 200")
            busy, _ = timed_get(base, BIG_CSV)
            assert busy.status_code == 503
            # Within the send timeout (plus slack) the stalled answer is given up: the slot is
            # free again and the stalled socket ends early (EOF before the whole body).
            deadline = time.monotonic() + 10
            while (again := httpx.get(base + BIG_JSON, timeout=30)).status_code == 503:
                assert time.monotonic() < deadline, "the stalled reader kept its slot"
                time.sleep(0.2)
            assert again.status_code == 200
            assert again.json()["present_points"] == 210_336
            received = len(head) + _drain(sock)
            assert received < 5_000_000  # the CSV is about 11 MB


def _drain(sock: socket.socket) -> int:
    sock.settimeout(10)
    total = 0
    while chunk := sock.recv(1 << 16):
        total += len(chunk)
    return total


async def test_a_heavy_read_gives_its_slot_back_however_it_ends(
    database_url: str, dataset: Dataset
) -> None:
    # One slot, and every range below counts as heavy: a slot kept by any of these answers
    # (sent, refused over max_points, invalid) would make the next one a 503.
    settings = settings_for(database_url, max_heavy_reads=1, heavy_read_points=10, max_points=50)
    six_hours = {"area": "BE", "start": "2024-03-31T00:00:00Z", "end": "2024-03-31T06:00:00Z"}
    one_day = {**six_hours, "end": "2024-04-01T00:00:00Z"}
    cases = [
        (six_hours, "json", 200),
        (one_day, "csv", 422),  # more than max_points
        (six_hours, "csv", 200),
        (one_day, "json", 422),
        ({**one_day, "tz": "Mars/Olympus"}, "csv", 422),
        (six_hours, "columnar", 200),
    ]
    async with running(create_app(settings)) as client:
        for params, fmt, status in cases:
            response = await client.get("/api/v1/energy-data", params={**params, "format": fmt})
            assert response.status_code == status, (params, fmt, response.text)


@pytest.fixture
def events() -> Iterator[list[dict[str, Any]]]:
    """structlog events of every level (restored afterwards)."""
    saved = structlog.get_config()
    capture = LogCapture()
    structlog.configure(
        processors=[capture],
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        cache_logger_on_first_use=False,
    )
    try:
        yield capture.entries
    finally:
        structlog.configure(**saved)


def test_a_client_closing_a_download_early_is_one_debug_line(
    database_url: str,
    big_series: None,
    events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # One pooled connection: the requests after the disconnects need it back, clean.
    settings = settings_for(
        database_url, database={"pool_size": 1, "max_overflow": 0, "pool_timeout": 5}
    )
    caplog.set_level(logging.WARNING)
    closes = (8 << 10, 256 << 10)  # bytes read before the client closes the connection
    with serving(create_app(settings)) as base:
        for n, want in enumerate(closes, start=1):
            with httpx.stream("GET", base + BIG_CSV, timeout=30) as response:
                assert response.status_code == 200
                got = 0
                for chunk in response.iter_raw():
                    got += len(chunk)
                    if got > want:
                        break
            deadline = time.monotonic() + 10
            while _disconnects(events) < n and time.monotonic() < deadline:
                time.sleep(0.05)
        for _ in range(3):
            small, took = timed_get(base, "/api/v1/energy-data", **SMALL, format="csv")
            assert small.status_code == 200 and len(small.text.splitlines()) == 97
            assert took < FAST
        time.sleep(0.2)  # anything the disconnects left behind would be logged by now

    assert [e for e in events if e["log_level"] not in ("debug", "info")] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    gone = [(e["log_level"], e["path"]) for e in events if e["event"] == "api.client_disconnected"]
    assert gone == [("debug", "/api/v1/energy-data")] * len(closes)


def _disconnects(events: list[dict[str, Any]]) -> int:
    return sum(e["event"] == "api.client_disconnected" for e in events)
