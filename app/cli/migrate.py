"""``energy-data-service migrate``: apply the Alembic migrations up to the newest."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.config import load_settings
from app.db.embedded import database_url
from app.db.migrations import upgrade_to_head
from app.logging import configure_from_settings


def register(subparsers: Any) -> None:
    cmd = subparsers.add_parser("migrate", help="apply database migrations up to the newest")
    cmd.set_defaults(func=run)


def run(_: argparse.Namespace) -> int:
    settings = load_settings()
    configure_from_settings(settings)
    # The configured server, or the embedded one (started here, stopped on exit).
    with database_url(settings.database) as url:
        asyncio.run(upgrade_to_head(url))
    print("database schema is at the newest migration")
    return 0
