"""Rate limiting with bans, and the faults a sandbox injects (503, slowness, resets, truncation).

Both run in real time (``time.monotonic``), not on the sandbox clock: they are about how fast
a client asks, not about what is published. Fault draws come from one RNG seeded with the
config's seed, so a run with sequential requests sees the same faults every time.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.sandbox.config import SandboxConfig

Fault = Literal["none", "503", "reset", "truncate"]


class RateLimiter:
    """At most ``limit`` requests per token in any ``window`` seconds; one more bans the token
    for ``ban`` seconds (that request and every one until the ban ends get 429). ``limit`` 0
    switches limiting off."""

    def __init__(
        self,
        limit: int,
        window: float,
        ban: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.ban = limit, window, ban
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._banned_until: dict[str, float] = {}

    def check(self, token: str) -> float | None:
        """None when the request may go on, else the seconds of ban left."""
        if self.limit <= 0:
            return None
        now = self._clock()
        until = self._banned_until.get(token)
        if until is not None:
            if now < until:
                return until - now
            del self._banned_until[token]
        hits = self._hits.setdefault(token, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            hits.clear()
            self._banned_until[token] = now + self.ban
            return self.ban
        hits.append(now)
        return None


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do to one request: answer 429 (burst), delay it, and/or break it."""

    burst_429: bool
    slow: bool
    fault: Fault
    cut: float  # share of the body kept when truncating


class FaultPlan:
    """Draws the faults of each request that passed authentication and rate limiting."""

    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._rng = random.Random(f"{config.seed}/faults")
        self._seen = 0

    def next(self) -> Decision:
        c = self._config
        index = self._seen
        self._seen += 1
        if c.burst_429_after <= index < c.burst_429_after + c.burst_429:
            return Decision(True, False, "none", 1.0)
        rng = self._rng
        slow = rng.random() < c.slow_share
        u = rng.random()
        cut = rng.uniform(0.2, 0.9)
        fault: Fault = "none"
        if u < c.fail_503_share:
            fault = "503"
        elif u < c.fail_503_share + c.reset_share:
            fault = "reset"
        elif u < c.fail_503_share + c.reset_share + c.truncate_share:
            fault = "truncate"
        return Decision(False, slow, fault, cut)


def truncate(body: bytes, keep: float) -> bytes:
    """The first ``keep`` share of ``body``: no longer well-formed XML."""
    return body[: max(1, int(len(body) * keep))]
