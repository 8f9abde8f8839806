"""Run the sandbox on loopback in-process: uvicorn on its own thread and event loop.

Its own thread keeps the sandbox's CPU work off the caller's event loop, so sync tests, async
tests and ``serve --sandbox`` can all use it the same way::

    with SandboxServer(SandboxConfig(seed=1)) as sandbox:
        httpx.get(sandbox.base_url, params={...})
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType

import structlog
import uvicorn

from app.sandbox.app import SandboxApp, create_app
from app.sandbox.config import SandboxConfig

log = structlog.get_logger(__name__)


def bind(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket; port 0 picks a free one.

    Listening at once means a client may connect as soon as the port is known: the kernel
    queues the connection until uvicorn accepts it.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def uvicorn_config(app: SandboxApp, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        lifespan="off",
        access_log=False,
        proxy_headers=False,
        log_level=log_level,
        log_config=None,
        timeout_graceful_shutdown=2,
    )


class SandboxServer:
    """A sandbox listening on ``host`` (loopback) and a free port until :meth:`stop`."""

    def __init__(
        self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.app = create_app(config)
        self.host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def config(self) -> SandboxConfig:
        return self.app.state.sandbox.config

    @property
    def counters(self) -> dict[str, int]:
        return self.app.state.sandbox.counters

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/api``: what the ENTSO-E client's base URL should be."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/api"

    def start(self, timeout: float = 10.0) -> SandboxServer:
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        sock = bind(self.host, self._port)
        self._port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn_config(self.app))
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="entsoe-sandbox", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self._server = self._thread = None
                sock.close()
                raise RuntimeError(f"the sandbox did not start on {self.host}:{self._port}")
            time.sleep(0.005)
        log.info("sandbox.started", base_url=self.base_url)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=10)
        self._server = self._thread = None
        log.info("sandbox.stopped")

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> SandboxServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)


def start_sandbox(config: SandboxConfig | None = None, host: str = "127.0.0.1") -> SandboxServer:
    """Start a sandbox on a free loopback port for ``serve --sandbox``; call ``.stop()`` at exit.

    Point the ENTSO-E client at ``.base_url`` with one of ``config.tokens`` (default
    ``sandbox``) and store what it collects with data_source ``entsoe-sandbox``.
    """
    return SandboxServer(config, host=host).start()
