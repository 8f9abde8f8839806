"""``energy-data-service sandbox``: serve the offline ENTSO-E sandbox until Ctrl-C.

Exit codes: 0 after Ctrl-C, 2 for a bad flag (one line on stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import datetime
from typing import Any

import uvicorn

from app.cli.serve import port_number
from app.sandbox.config import SandboxConfig
from app.sandbox.server import bind, uvicorn_config


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _non_negative(kind: type[int] | type[float]) -> Any:
    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
        return value

    return parse


def _aware(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 datetime: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"needs a zone, e.g. {text}Z or {text}+00:00")
    return value


def register(subparsers: Any) -> None:
    """Add the ``sandbox`` sub-command to the CLI's subparsers."""
    p = subparsers.add_parser(
        "sandbox",
        help="serve the offline ENTSO-E sandbox (the load API on loopback, with faults)",
        description="Serve ENTSO-E's load API offline at http://HOST:PORT/api.",
    )
    p.add_argument("--port", type=port_number, default=8700, help="port (0: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    p.add_argument("--seed", type=int, default=0, help="seed of every value and fault")
    p.add_argument("--curve-type", choices=("A01", "A03"), default="A03")
    p.add_argument(
        "--token",
        action="append",
        dest="tokens",
        metavar="TOKEN",
        help="accepted securityToken (repeatable; default: sandbox)",
    )
    p.add_argument("--now", type=_aware, help="fixed sandbox clock, e.g. 2024-06-01T12:00Z")
    p.add_argument("--revision-share", type=_share, default=0.01)
    p.add_argument("--gap-share", type=_share, default=0.0005)
    p.add_argument("--rate-limit", type=_non_negative(int), default=400, help="per token/min")
    p.add_argument("--ban-seconds", type=_non_negative(float), default=600.0)
    p.add_argument("--fail-503", type=_share, default=0.0, help="share of 503 replies")
    p.add_argument("--slow-share", type=_share, default=0.0, help="share of slow replies")
    p.add_argument("--slow-seconds", type=_non_negative(float), default=0.0)
    p.add_argument("--reset-share", type=_share, default=0.0, help="share of connection resets")
    p.add_argument("--truncate-share", type=_share, default=0.0, help="share of truncated XML")
    p.add_argument("--burst-429", type=_non_negative(int), default=0, help="a burst of N 429s")
    p.add_argument(
        "--burst-429-after", type=_non_negative(int), default=0, help="requests before the burst"
    )
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """The config the flags describe; ValueError when they contradict each other."""
    return SandboxConfig(
        seed=args.seed,
        tokens=tuple(args.tokens or ("sandbox",)),
        curve_type=args.curve_type,
        now=args.now,
        revision_share=args.revision_share,
        gap_share=args.gap_share,
        rate_limit_per_minute=args.rate_limit,
        ban_seconds=args.ban_seconds,
        fail_503_share=args.fail_503,
        slow_share=args.slow_share,
        slow_seconds=args.slow_seconds,
        reset_share=args.reset_share,
        truncate_share=args.truncate_share,
        burst_429=args.burst_429,
        burst_429_after=args.burst_429_after,
    )


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C."""
    from app.sandbox.app import create_app

    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"energy-data-service sandbox: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(
            f"energy-data-service sandbox: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"ENTSO-E sandbox at http://{shown}:{port}/api (Ctrl-C to stop)", flush=True)
    server = uvicorn.Server(uvicorn_config(create_app(config), log_level="info"))
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        server.run(sockets=[sock])
    return 0
