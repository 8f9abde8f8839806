"""Offline ENTSO-E sandbox: the Transparency Platform's load and generation API on loopback, with
its faults. Load (A65, A70) is asked for by ``outBiddingZone_Domain``; generation (A75 per
production type with pumped storage consumption, A71, A69 wind and solar, A68 installed
capacity) by ``in_Domain`` and optionally ``psrType``, for every area load is served for.

Public API: :class:`SandboxConfig` (and :class:`ManualClock`), :func:`create_app`,
:class:`SandboxServer` / :func:`start_sandbox`, and the sandbox's own account of what it
serves: :func:`expected_points`, :func:`expected_reply` and :func:`reply_window`. Rows
collected from it carry data_source :data:`DATA_SOURCE`.
"""

from __future__ import annotations

from app.sandbox.app import SandboxApp, create_app
from app.sandbox.config import ManualClock, SandboxConfig
from app.sandbox.reply import ExpectedPoint, Reply, expected_points, expected_reply, reply_window
from app.sandbox.server import SandboxServer, start_sandbox

DATA_SOURCE = "entsoe-sandbox"

__all__ = [
    "DATA_SOURCE",
    "ExpectedPoint",
    "ManualClock",
    "Reply",
    "SandboxApp",
    "SandboxConfig",
    "SandboxServer",
    "create_app",
    "expected_points",
    "expected_reply",
    "reply_window",
    "start_sandbox",
]
