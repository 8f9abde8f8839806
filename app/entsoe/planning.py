"""Request windows: how the client cuts a range into requests ENTSO-E accepts.

Windows are UTC, whole hours, consecutive and half-open. An item's limit below a year is a fixed
length; a limit of a year or more is ENTSO-E's P1Y, one calendar year from periodStart in UTC,
which a 366-day window exceeds unless it holds 29 February (the platform then refuses the
request, and the client would halve it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_HOUR = timedelta(hours=1)
_YEAR_DAYS = timedelta(days=365)


def one_year_on(moment: datetime) -> datetime:
    """The same UTC wall time a calendar year later (29 February -> 28 February)."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:
        return moment.replace(year=moment.year + 1, day=28)


def plan_windows(
    limit: timedelta, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Consecutive UTC windows covering [start, end), widened to whole hours, each no longer
    than ``limit`` (a yearly limit is a calendar year). Aware datetimes only; an empty range
    gives no windows."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if limit < _HOUR:
        raise ValueError("a window limit below one hour")
    lo = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hi = end.astimezone(UTC)
    if hi.replace(minute=0, second=0, microsecond=0) != hi:
        hi = hi.replace(minute=0, second=0, microsecond=0) + _HOUR
    step = _HOUR * (limit // _HOUR)
    yearly = step >= _YEAR_DAYS
    windows = []
    while lo < hi:
        stop = one_year_on(lo) if yearly else lo + step
        windows.append((lo, min(stop, hi)))
        lo = stop
    return windows
