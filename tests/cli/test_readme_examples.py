"""The README's query examples answer data on a first `serve --sandbox`.

The curl commands are read out of README.md ("Querying the data"), run by bash with curl as
written (only the host:port is this server's) against a real `energy-data-service serve
--sandbox` process on a fresh database, once it has logged that its history is loaded.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import TestServer

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
START_TIMEOUT = 180.0  # the history load takes 5 to 15 s alone; CI machines are shared


def readme_curl_commands() -> list[str]:
    """The curl commands of the README's "Querying the data" bash block, one per command
    (continuation lines joined; bash itself drops the trailing comments)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Querying the data", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "README.md: no bash block under 'Querying the data'"
    commands: list[str] = []
    pending = ""
    for line in block.group(1).splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            commands.append(pending.strip())
            pending = ""
    return [c for c in commands if c.startswith("curl ")]


def has_data(body: str, headers_csv: bool) -> bool:
    """Whether an answer carries at least one value (whatever endpoint it is)."""
    if headers_csv:
        header, *rows = [line.split(",") for line in body.strip().splitlines()]
        if header[:2] != ["timestamp", "area_code"]:  # layout=wide: every series holds values
            return bool(rows) and all(any(r[i] for r in rows) for i in range(1, len(header)))
        return bool(rows)
    doc: Any = json.loads(body)
    if "data" in doc:
        data = doc["data"]
        return bool(data["timestamp"] if isinstance(data, dict) else data)
    if "points" in doc:  # /energy-data/latest
        return bool(doc["points"]) and not doc["missing"]
    if "items" in doc:  # /coverage
        return bool(doc["items"]) and all(item["count"] > 0 for item in doc["items"])
    if "overall" in doc:  # /forecast-accuracy
        return bool(doc["overall"]["points"]) and doc["overall"]["mae"] is not None
    if "areas" in doc:  # /areas?stored_only=true
        return bool(doc["areas"])
    if "production_types" in doc:  # /production-types?area=
        return any(p["stored"] for p in doc["production_types"])
    raise AssertionError(f"an answer of unknown shape: {body[:200]}")


@pytest.fixture
async def fresh_database(test_server: TestServer) -> AsyncIterator[str]:
    async with test_server.scratch_database("eds_readme") as url:
        yield make_url(url).set(drivername="postgresql").render_as_string(False)


class Served:
    """`energy-data-service serve --sandbox --port 0` with its log lines in a queue."""

    def __init__(self, database_url: str, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "ENTSOE"))}
        # The README's areas only, to keep the test short; JSON log lines, to read them back.
        env.update(DATABASE_URL=database_url, ENTSOE__AREAS="DE_LU,FR", LOGGING__JSON="true")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--sandbox", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: str, deadline: float) -> re.Match[str]:
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.proc.poll() is None, "serve exited:\n" + "".join(self.log[-30:])
                continue
            self.log.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no {pattern!r} in time; the log:\n" + "".join(self.log[-30:]))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(fresh_database: str) -> Iterator[tuple[Served, int]]:
    port = free_port()
    server = Served(fresh_database, port)
    try:
        server.wait_for(r'"event": ?"sandbox\.history_loaded"', time.monotonic() + START_TIMEOUT)
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200
        yield server, port
    finally:
        server.stop()


def test_the_readme_parses_into_its_curl_examples() -> None:
    commands = readme_curl_commands()
    assert len(commands) >= 7, commands
    assert all("localhost:8000" in c for c in commands)
    assert any("format=csv" in c for c in commands)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_every_readme_example_answers_data_on_a_first_sandbox_start(
    served: tuple[Served, int],
) -> None:
    server, port = served
    loaded = next(line for line in server.log if "sandbox.history_loaded" in line)
    assert json.loads(loaded)["points"] > 100_000, loaded
    for command in readme_curl_commands():
        # Status code and headers come after the body, on lines of their own.
        run = command.replace("localhost:8000", f"127.0.0.1:{port}", 1).replace(
            "curl ", "curl -sS -D /dev/stderr -w '\\n%{http_code}' ", 1
        )
        done = subprocess.run(
            ["bash", "-c", run], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        body, _, status = done.stdout.rpartition("\n")
        assert status == "200", f"{command}\n{done.stdout[:500]}"
        csv = "content-type: text/csv" in done.stderr.lower()
        assert has_data(body, csv), f"{command} answered no data:\n{body[:500]}"
    # Where it listens and every request are logged, whatever the sandbox's server does.
    for pattern in (
        rf"Uvicorn running on http://127\.0\.0\.1:{port}",
        r"GET /api/v1/energy-data\?",
    ):
        if not any(re.search(pattern, line) for line in server.log):
            server.wait_for(pattern, time.monotonic() + 5)
    assert server.stop() == 130  # Ctrl-C: a clean shutdown, the shell's code for SIGINT
