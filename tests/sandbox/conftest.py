"""Fixtures for the sandbox tests (helpers live in sandbox_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sandbox import SandboxConfig, SandboxServer
from tests.sandbox.support import NOW, REAL_SAMPLES


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A loopback sandbox with the default config and a fixed clock (module-scoped)."""
    with SandboxServer(SandboxConfig(now=NOW)) as server:
        yield server


@pytest.fixture
def real_samples() -> Path:
    if not REAL_SAMPLES.is_dir():
        pytest.skip(f"real ENTSO-E samples not found at {REAL_SAMPLES}")
    return REAL_SAMPLES
