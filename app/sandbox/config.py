"""Settings of one sandbox instance: seed, clock, publication, resolutions, limits and faults.

Everything a reply depends on is here, so a (config, request, clock reading) triple fixes the
reply byte for byte. Dates (first dates, resolution switches) are local calendar dates of the
area; the switch happens at local midnight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Literal

from app.entsoe.items import DataType
from app.sandbox.limits import ALLOWED_PERIODS, KNOWN_PERIODS

CurveType = Literal["A01", "A03"]

#: Areas publishing quarter-hourly load for their whole history.
QUARTER_HOUR_AREAS: frozenset[str] = frozenset(
    {
        "DE_LU", "DE_AT_LU", "DE", "DE_50HZ", "DE_AMPRION", "DE_TENNET", "DE_TRANSNET",
        "LU", "AT", "NL", "BE", "FR", "HU",
    }
)  # fmt: skip
#: Areas that publish PT60M until the given local date and PT15M from its local midnight on.
RESOLUTION_SWITCHES: Mapping[str, date] = MappingProxyType({"CZ": date(2025, 10, 1)})
DEFAULT_FIRST_DATE = date(2015, 1, 1)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A settable clock for tests: ``clock()`` returns the time last set (aware UTC)."""

    def __init__(self, now: datetime) -> None:
        self._lock = threading.Lock()
        self._now = _aware_utc(now, "now")

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, now: datetime) -> None:
        with self._lock:
            self._now = _aware_utc(now, "now")

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta


def _aware_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class SandboxConfig:
    """One sandbox's behaviour. Shares are probabilities in [0, 1].

    ``now`` (fixed) wins over ``clock``; the clock decides what is published. ``revision_share``
    of the hours of actual and day-ahead load (and of actual generation, the day-ahead wind and
    solar and generation forecasts) are republished ``revision_delay`` after their first
    publication with other values; ``gap_share`` of the hours of actual load (and, drawn
    separately, of actual generation) are never published (default about 4 hours a year).
    Generation follows load's resolution per area and date (``quarter_hour_areas``,
    ``resolution_switches``) and ``actual_lag``. Rate limiting counts requests per token in a
    sliding ``rate_window_seconds`` in real (monotonic) time, so a fixed ``now`` does not freeze
    a ban; ``rate_limit_per_minute`` 0 switches it off. The 503, reset and
    truncation faults exclude each other (one draw per request, their shares must sum to <= 1);
    slowness is drawn independently. ``burst_429`` requests after the first ``burst_429_after``
    ones are answered 429 with ``Retry-After: burst_retry_after``. ``max_periods`` overrides
    the "maximum allowed period" of some items, as ISO periods (``"P7D"``; default: ENTSO-E's,
    see :mod:`app.sandbox.limits`). ``resolution_revisions``: local dates per area whose actual
    and day-ahead load a later revision republishes ``revision_delay`` after the first
    publication at the other resolution (PT15M instead of PT60M or the reverse).
    """

    seed: int = 0
    tokens: tuple[str, ...] = ("sandbox",)
    curve_type: CurveType = "A03"
    now: datetime | None = None
    clock: Callable[[], datetime] = utc_now
    revision_share: float = 0.01
    revision_delay: timedelta = timedelta(days=1)
    gap_share: float = 0.0005
    actual_lag: timedelta = timedelta(hours=1)
    default_first_date: date = DEFAULT_FIRST_DATE
    first_dates: Mapping[str, date] = field(default_factory=dict)
    quarter_hour_areas: frozenset[str] = QUARTER_HOUR_AREAS
    resolution_switches: Mapping[str, date] = field(default_factory=lambda: RESOLUTION_SWITCHES)
    resolution_revisions: Mapping[str, frozenset[date]] = field(default_factory=dict)
    max_periods: Mapping[DataType, str] = field(default_factory=lambda: ALLOWED_PERIODS)
    rate_limit_per_minute: int = 400
    rate_window_seconds: float = 60.0
    ban_seconds: float = 600.0
    fail_503_share: float = 0.0
    slow_share: float = 0.0
    slow_seconds: float = 0.0
    reset_share: float = 0.0
    truncate_share: float = 0.0
    burst_429: int = 0
    burst_429_after: int = 0
    burst_retry_after: int = 1

    def __post_init__(self) -> None:
        for name in (
            "revision_share", "gap_share", "fail_503_share", "slow_share", "reset_share",
            "truncate_share",
        ):  # fmt: skip
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.fail_503_share + self.reset_share + self.truncate_share > 1.0:
            raise ValueError("fail_503_share + reset_share + truncate_share must not exceed 1")
        if self.curve_type not in ("A01", "A03"):
            raise ValueError(f"curve_type must be A01 or A03, got {self.curve_type!r}")
        if not self.tokens or any(not t for t in self.tokens):
            raise ValueError("tokens must hold at least one non-empty token")
        for name in ("slow_seconds", "ban_seconds", "rate_window_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("rate_limit_per_minute", "burst_429", "burst_429_after", "burst_retry_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.revision_delay <= timedelta(0) or self.actual_lag < timedelta(0):
            raise ValueError("revision_delay must be positive and actual_lag not negative")
        if self.now is not None:
            object.__setattr__(self, "now", _aware_utc(self.now, "now"))
        # Items not overridden keep the platform's limits.
        periods = {**ALLOWED_PERIODS, **{DataType(k): v for k, v in self.max_periods.items()}}
        unknown = sorted(p for p in periods.values() if p not in KNOWN_PERIODS)
        if unknown:
            raise ValueError(f"max_periods must be one of {sorted(KNOWN_PERIODS)}, got {unknown}")
        object.__setattr__(self, "max_periods", MappingProxyType(periods))
        revisions = {k: frozenset(v) for k, v in self.resolution_revisions.items()}
        object.__setattr__(self, "resolution_revisions", MappingProxyType(revisions))

    def current_time(self) -> datetime:
        """The sandbox clock, aware UTC."""
        if self.now is not None:
            return self.now
        return _aware_utc(self.clock(), "clock()")

    def first_date(self, area_code: str) -> date:
        """The first local date the area has data for."""
        return self.first_dates.get(area_code, self.default_first_date)

    def resolution_minutes(self, area_code: str, day: date, *, republished: bool = False) -> int:
        """15 or 60: the resolution of actual and day-ahead load on this local date; with
        ``republished``, the one its later revision has (see ``resolution_revisions``)."""
        if area_code in self.quarter_hour_areas:
            first = 15
        else:
            switch = self.resolution_switches.get(area_code)
            first = 15 if switch is not None and day >= switch else 60
        if republished and day in self.resolution_revisions.get(area_code, ()):
            return 75 - first  # the other one of 15 and 60
        return first
