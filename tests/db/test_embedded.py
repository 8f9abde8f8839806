"""The embedded PostgreSQL outlives no owner: after its owner is killed with SIGKILL, the next
start adopts the running server and its clean exit stops it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from structlog.testing import capture_logs

from app.db.embedded import EmbeddedPostgres

pytestmark = pytest.mark.db

OWNER = """
import sys, time
from app.db.embedded import EmbeddedPostgres
EmbeddedPostgres(__import__("pathlib").Path(sys.argv[1])).start()
print("started", flush=True)
time.sleep(600)
"""


def _postmaster_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return None
    return int(pid_file.read_text().splitlines()[0])


def _running(pid: int) -> bool:
    try:  # a stopped server whose parent was killed may linger as a zombie: not running
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_server_orphaned_by_kill_9_is_adopted_and_stopped(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(data_dir)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert owner.stdout is not None
        lines = iter(owner.stdout.readline, "")
        assert any(line.strip() == "started" for line in lines)  # after its log lines
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=30)
    orphan = _postmaster_pid(data_dir)
    assert orphan is not None and _running(orphan)  # the server outlived its owner

    server = EmbeddedPostgres(data_dir)
    with capture_logs() as logs:
        server.start()
    assert [e["dead"] for e in logs if e["event"] == "database.embedded_adopted"] == [[owner.pid]]
    assert _postmaster_pid(data_dir) == orphan  # the same server, adopted
    server.stop()
    assert not _running(orphan) and _postmaster_pid(data_dir) is None
