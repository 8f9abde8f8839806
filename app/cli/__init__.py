"""``energy-data-service``: serve, migrate, parse, sandbox, backfill, status.

Exit codes: 0 success, 1 the work failed, 2 bad input or configuration (one line on stderr).
A failure is one line too (an unreachable database included); LOGGING__LEVEL=DEBUG adds the
traceback of an unexpected one.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from app.cli import backfill, migrate, parse, sandbox, serve, status
from app.exceptions import UsageError, WorkFailed, database_unavailable


def failure_line(exc: BaseException) -> str:
    """What went wrong, in one line (no traceback)."""
    reason = database_unavailable(exc)
    if reason is not None:
        return f"cannot use the database: {reason}"
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0][:300]}" if first else type(exc).__name__


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage text; one line that says what is wrong is kinder.
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="energy-data-service", description=__doc__)
    sub: Any = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in (serve, migrate, parse, sandbox, backfill, status):
        command.register(sub)
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
