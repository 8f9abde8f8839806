"""Backfill from the shell: the same as `energy-data-service backfill` (see --help)."""

from __future__ import annotations

import sys

from app.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["backfill", *sys.argv[1:]]))
