"""``energy-data-service``: serve, migrate, and the tools later issues add (parse, sandbox, ...).

Exit codes: 0 success, 1 the work failed, 2 bad input or configuration (one line on stderr).
A failure is one line too (an unreachable database included); LOGGING__LEVEL=DEBUG adds the
traceback of an unexpected one.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from pydantic import ValidationError

from app.config import Settings, describe_error


class UsageError(Exception):
    """Bad input from the command line: one line on stderr, exit code 2."""


class WorkFailed(Exception):
    """The work could not be done: one line on stderr, exit code 1."""


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0..65535 (0: any free port)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {text}")
    return value


def failure_line(exc: BaseException) -> str:
    """What went wrong, in one line (no traceback)."""
    from app.exceptions import database_unavailable

    reason = database_unavailable(exc)
    if reason is not None:
        return f"cannot use the database: {reason}"
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0][:300]}" if first else type(exc).__name__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage text; one line that says what is wrong is kinder.
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise UsageError(describe_error(exc)) from None


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.api.app import create_app
    from app.logging import configure_from_settings

    settings = load_settings()
    if args.host:
        settings.api.host = args.host
    if args.port is not None:
        settings.api.port = args.port
    configure_from_settings(settings)
    app = create_app(settings, sandbox=args.sandbox)

    def keep(record: logging.LogRecord) -> bool:
        # A start that failed for a known reason was logged as one line (app.startup_failed);
        # the traceback Starlette hands to uvicorn for it says nothing more.
        known = getattr(app.state, "startup_error", None)
        return not (known and record.getMessage().startswith("Traceback"))

    logging.getLogger("uvicorn.error").addFilter(keep)
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.api.host, port=settings.api.port, log_config=None)
    )
    try:
        server.run()
    except SystemExit:  # uvicorn's exit code 3 when the lifespan or the bind failed
        if server.started:
            raise
    if not server.started:
        known = getattr(app.state, "startup_error", None)
        raise WorkFailed(known or "the service did not start (see the log above)")
    return 0


def _migrate(_: argparse.Namespace) -> int:
    from app.container import Container
    from app.db.migrations import upgrade_to_head
    from app.logging import configure_from_settings

    settings = load_settings()
    configure_from_settings(settings)
    container = Container()
    container.settings.override(settings)

    async def run() -> None:
        url = container.database_url()
        try:
            await upgrade_to_head(url)
        finally:
            container.database_url.shutdown()

    asyncio.run(run())
    print("database schema is at the newest migration")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="energy-data-service", description=__doc__)
    sub: Any = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = sub.add_parser("serve", help="run the HTTP API (and, when enabled, the scheduler)")
    serve.add_argument("--host", help="interface to listen on (default: API__HOST)")
    serve.add_argument("--port", type=port_number, help="port to listen on (default: API__PORT)")
    serve.add_argument(
        "--sandbox",
        action="store_true",
        help="collect from the built-in offline ENTSO-E sandbox instead of the real API",
    )
    serve.set_defaults(func=_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations up to the newest")
    migrate.set_defaults(func=_migrate)

    from app import backfill, parse_cli
    from app.sandbox import command as sandbox_command

    parse_cli.register(sub)
    sandbox_command.register(sub)
    backfill.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Any = args.func
    try:
        return int(func(args))
    except UsageError as exc:
        print(f"energy-data-service: {exc}", file=sys.stderr)
        return 2
    except WorkFailed as exc:
        print(f"energy-data-service: {args.command} failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("LOGGING__LEVEL", "").upper() == "DEBUG":
            traceback.print_exc()
        print(f"energy-data-service: {args.command} failed: {failure_line(exc)}", file=sys.stderr)
        return 1
