"""What the ENTSO-E client reports while it works, to whoever watches it (the service's metrics).

The client calls an observer inline on its request path: every method must return at once and
never raise. Seconds are measured on the client's own clock (monotonic unless injected).
"""

from __future__ import annotations

from typing import Protocol


class ClientObserver(Protocol):
    def request(self, status: int | None, seconds: float) -> None:
        """One HTTP request ended: its status, or None when no reply came (timeout, reset, a
        reply over the size limit); ``seconds`` from sending it to having the whole reply."""

    def retry(self, delay: float) -> None:
        """A failed attempt (5xx, transport error, unreadable reply) is tried again after
        ``delay`` seconds of backoff."""

    def rate_limited(self, ban: float) -> None:
        """ENTSO-E answered 429: every call of the client waits ``ban`` seconds."""

    def throttled(self, seconds: float) -> None:
        """Seconds a request waited for the rate limiter (the client's own limit or a ban)."""


class NoObserver:
    """The observer of a client nobody watches."""

    def request(self, status: int | None, seconds: float) -> None:
        pass

    def retry(self, delay: float) -> None:
        pass

    def rate_limited(self, ban: float) -> None:
        pass

    def throttled(self, seconds: float) -> None:
        pass
