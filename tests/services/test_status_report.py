"""The status report's arithmetic, without a database: local months, expected counts on the
stored grid (DST, resolution switches, the current month), freshness states."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.domain.points import EnergyPoint
from app.repositories.status import BucketCount
from app.services.freshness import duration_text, freshness, interval_end
from app.services.monthly import HeatRow, heat_rows, month_counts, month_labels, month_thresholds
from tests.conftest import series_meta

BERLIN = ZoneInfo("Europe/Berlin")
LISBON = ZoneInfo("Europe/Lisbon")
Q = timedelta(minutes=15)
H = timedelta(hours=1)
NOW = datetime(2024, 11, 15, 12, 7, tzinfo=UTC)
Point = tuple[str, str, str, str, datetime]  # area, data type, business type, resolution, UTC


def local(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone).astimezone(UTC)  # type: ignore[misc]


def steps(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    out = []
    while start < end:
        out.append(start)
        start += step
    return out


def buckets(points: Iterable[Point], thresholds: list[datetime]) -> list[BucketCount]:
    """What StatusRepository.bucket_counts answers for these stored points (width_bucket is
    bisect_right over the thresholds)."""
    groups: dict[tuple[str, str, str, str, int], list[datetime]] = {}
    for area, dt, bt, res, ts in points:
        if thresholds[0] <= ts < thresholds[-1]:
            key = (area, dt, bt, res, bisect.bisect_right(thresholds, ts))
            groups.setdefault(key, []).append(ts)
    rows = [BucketCount(*k, len(v), min(v), max(v)) for k, v in groups.items()]
    return sorted(
        rows, key=lambda b: (b.area_code, b.data_type, b.business_type, b.bucket, b.first)
    )


def report(points: list[Point], first_month: tuple[int, int], now: datetime = NOW) -> list[HeatRow]:
    labels = month_labels(*first_month, now)
    thresholds = month_thresholds(labels, {BERLIN, LISBON})
    return heat_rows(month_counts(buckets(points, thresholds), thresholds), labels, now)


def quarter_hours(
    area: str, start: datetime, end: datetime, skip: tuple[datetime, datetime] | None = None
) -> list[Point]:
    return [
        (area, "actual", "A04", "PT15M", t)
        for t in steps(start, end, Q)
        if skip is None or not skip[0] <= t < skip[1]
    ]


def test_months_are_the_areas_local_months_and_expect_dst_aware_counts() -> None:
    # DE_LU from local March 1 to local Nov 1, 2024: March (spring forward) and October (fall
    # back) are local months of 2,972 and 2,980 quarter-hours; a UTC month would split them.
    points = quarter_hours("DE_LU", local(BERLIN, 2024, 3, 1), local(BERLIN, 2024, 11, 1))
    (row,) = report(points, (2024, 2))
    cells = {c.month: c for c in row.cells}
    assert cells["2024-02"].state == "none" and cells["2024-02"].expected == 0
    assert (cells["2024-03"].present, cells["2024-03"].expected) == (2972, 2972)
    assert (cells["2024-10"].present, cells["2024-10"].expected) == (2980, 2980)
    assert cells["2024-03"].start == local(BERLIN, 2024, 3, 1)
    assert all(cells[m].state == "full" for m in ("2024-03", "2024-06", "2024-10"))
    # Nothing stored since local Nov 1: November is due up to now and holds nothing.
    november = cells["2024-11"]
    assert november.state == "empty" and november.present == 0
    assert november.expected == (NOW.replace(minute=0) + H - 3 * H - november.start) // Q


def test_a_hole_makes_a_partial_month_and_an_unstored_month_an_empty_one() -> None:
    hole = (datetime(2024, 5, 10, 8, tzinfo=UTC), datetime(2024, 5, 10, 9, tzinfo=UTC))
    points = quarter_hours("DE_LU", local(BERLIN, 2024, 4, 1), local(BERLIN, 2024, 6, 1), hole)
    points += quarter_hours("DE_LU", local(BERLIN, 2024, 7, 1), local(BERLIN, 2024, 8, 1))
    (row,) = report(points, (2024, 4), now=datetime(2024, 7, 31, 23, tzinfo=UTC))
    cells = {c.month: c for c in row.cells}
    assert (cells["2024-05"].present, cells["2024-05"].expected) == (2972, 2976)
    assert cells["2024-05"].state == "partial"
    assert (cells["2024-06"].present, cells["2024-06"].expected) == (0, 2880)
    assert cells["2024-06"].state == "empty"
    # The current month, complete up to now, is full.
    assert cells["2024-07"].state == "full"


def test_a_resolution_switch_mid_month_expects_each_resolution_over_its_part() -> None:
    switch = local(BERLIN, 2024, 9, 16)
    points = [
        ("DE_LU", "actual", "A04", "PT60M", t) for t in steps(local(BERLIN, 2024, 9, 1), switch, H)
    ] + quarter_hours("DE_LU", switch, local(BERLIN, 2024, 10, 1))
    (row,) = report(points, (2024, 9), now=datetime(2024, 9, 30, 23, tzinfo=UTC))
    september = row.cells[0]
    assert september.expected == 15 * 24 + 15 * 96
    assert september.present == september.expected and september.state == "full"


def test_business_types_add_up_and_areas_use_their_own_zone() -> None:
    start, end = local(LISBON, 2024, 10, 1), local(LISBON, 2024, 11, 1)
    points = [
        ("PT", "week_ahead", bt, "P1D", t)
        for bt in ("A60", "A61")
        for t in steps(start, end, 24 * H)
    ]
    # Lisbon leaves summer time on Oct 27: daily points step on local midnights, 25 h that day.
    points = [p for p in points if p[4] < local(LISBON, 2024, 10, 27)]
    points += [
        ("PT", "week_ahead", bt, "P1D", local(LISBON, 2024, 10, d))
        for bt in ("A60", "A61")
        for d in range(27, 32)
    ]
    (row,) = report(points, (2024, 10), now=datetime(2024, 10, 31, 12, tzinfo=UTC))
    october = row.cells[0]
    assert (october.present, october.expected) == (62, 62)
    assert october.start == local(LISBON, 2024, 10, 1)


def _point(t: datetime, **meta: str) -> EnergyPoint:
    return EnergyPoint(t, Decimal(1), series_meta(**meta))


def test_freshness_against_each_items_publication_rhythm() -> None:
    newest = [
        _point(datetime(2024, 11, 15, 10, 45, tzinfo=UTC), area_code="DE_LU", data_type="actual"),
        _point(datetime(2024, 11, 15, 7, 45, tzinfo=UTC), area_code="FR", data_type="actual"),
        # Day-ahead up to tonight's local midnight: tomorrow's is not out yet, still fresh.
        _point(local(BERLIN, 2024, 11, 15, 23, 45), area_code="DE_LU", data_type="day_ahead"),
        _point(local(BERLIN, 2024, 11, 14, 23, 45), area_code="FR", data_type="day_ahead"),
    ]
    pairs = [("DE_LU", "actual"), ("FR", "actual"), ("DE_LU", "day_ahead"), ("FR", "day_ahead")]
    pairs.append(("NL", "actual"))
    states = {(f.area_code, f.data_type): f for f in freshness(newest, pairs, NOW)}
    assert states["DE_LU", "actual"].state == "fresh"
    assert states["DE_LU", "actual"].behind == "2 h"  # stored until 11:00, published until 13:00
    assert states["FR", "actual"].state == "late"
    assert states["DE_LU", "day_ahead"].state == "fresh"
    assert states["DE_LU", "day_ahead"].stored_end == local(BERLIN, 2024, 11, 16)
    assert states["FR", "day_ahead"].state == "late"
    assert states["NL", "actual"].state == "missing" and states["NL", "actual"].behind == "-"


def test_interval_end_steps_calendar_resolutions_in_the_zone() -> None:
    # The P1D point of the Berlin fall-back day covers 25 hours.
    day = local(BERLIN, 2024, 10, 27)
    assert interval_end(day, "P1D", BERLIN) - day == 25 * H
    assert interval_end(day, "PT15M", BERLIN) - day == Q


def test_duration_text() -> None:
    assert duration_text(timedelta(0)) == "0"
    assert duration_text(timedelta(minutes=45)) == "45 min"
    assert duration_text(timedelta(hours=3, minutes=15)) == "3 h 15 min"
    assert duration_text(timedelta(days=2, hours=4, minutes=59)) == "2 d 4 h"


def test_an_area_the_registry_does_not_know_is_left_out() -> None:
    thresholds = month_thresholds(["2024-05"], {BERLIN})
    t = datetime(2024, 5, 2, tzinfo=UTC)
    rows = [
        BucketCount("XX", "actual", "A04", "PT15M", 1, 1, t, t),
        BucketCount("DE_LU", "actual", "A04", "PT15M", 1, 1, t, t),
    ]
    assert [m.area_code for m in month_counts(rows, thresholds)] == ["DE_LU"]
