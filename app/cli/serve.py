"""``energy-data-service serve``: the HTTP API and, when enabled, the scheduler.

``--sandbox`` runs the offline ENTSO-E sandbox in this process on a free loopback port and
points the collector at it (no token needed; rows are stamped ``entsoe-sandbox``), and loads
actual and day-ahead load since 2024 in the background so the README's queries answer data
(:mod:`app.cli.sandbox_history`; ``--no-history`` skips that).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from pydantic import SecretStr

from app.config import Settings, load_settings
from app.exceptions import WorkFailed
from app.logging import configure_from_settings
from app.main import create_app


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0..65535 (0: any free port)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {text}")
    return value


def register(subparsers: Any) -> None:
    cmd = subparsers.add_parser("serve", help="run the HTTP API (and, when enabled, the scheduler)")
    cmd.add_argument("--host", help="interface to listen on (default: API__HOST)")
    cmd.add_argument("--port", type=port_number, help="port to listen on (default: API__PORT)")
    cmd.add_argument(
        "--sandbox",
        action="store_true",
        help="collect from the built-in offline ENTSO-E sandbox instead of the real API, and"
        " load its actual and day-ahead load since 2024 in the background",
    )
    cmd.add_argument(
        "--no-history",
        action="store_true",
        help="with --sandbox: start without loading the history (the scheduler still runs)",
    )
    cmd.set_defaults(func=run)


def sandbox_settings(settings: Settings, base_url: str) -> Settings:
    """``settings`` aimed at a sandbox at ``base_url`` (a copy: settings are never mutated)."""
    entsoe = settings.entsoe.model_copy(
        update={"base_url": base_url, "api_token": SecretStr("sandbox")}
    )
    collection = settings.collection.model_copy(update={"data_source": "entsoe-sandbox"})
    return settings.model_copy(update={"entsoe": entsoe, "collection": collection})


def run(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    api = settings.api.model_copy(
        update={k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    )
    settings = settings.model_copy(update={"api": api})
    configure_from_settings(settings)
    sandbox_server = None
    if args.sandbox:
        from app.sandbox import start_sandbox

        sandbox_server = start_sandbox()
        settings = sandbox_settings(settings, sandbox_server.base_url)
    app = create_app(settings)
    if args.sandbox and not args.no_history:
        from app.cli.sandbox_history import with_history

        with_history(app, settings)

    def keep(record: logging.LogRecord) -> bool:
        # A start that failed for a known reason was logged as one line (app.startup_failed);
        # the traceback Starlette hands to uvicorn for it says nothing more.
        known = getattr(app.state, "startup_error", None)
        return not (known and record.getMessage().startswith("Traceback"))

    logging.getLogger("uvicorn.error").addFilter(keep)
    # uvicorn's logger settings are process-wide and the in-process sandbox's server quiets them
    # (level, and no access log): restore them for this server, so "Uvicorn running on ..." and
    # one line per request reach the service's log.
    level = settings.logging.level.lower()
    config = uvicorn.Config(
        app, host=settings.api.host, port=settings.api.port, log_config=None, log_level=level
    )
    logging.getLogger("uvicorn.access").propagate = True
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit:  # uvicorn's exit code 3 when the lifespan or the bind failed
        if server.started:
            raise
    finally:
        if sandbox_server is not None:
            sandbox_server.stop()
    if not server.started:
        known = getattr(app.state, "startup_error", None)
        raise WorkFailed(known or "the service did not start (see the log above)")
    return 0
