"""What the status page and ``energy-data-service status`` show: coverage per local month,
freshness per series against its publication rhythm, and the newest scheduler runs.

Three reads whatever the size of the history (:mod:`app.repositories.status` and the newest
point per area and item from :class:`app.repositories.stored.StoredPoints`); the expected point
counts come from :func:`app.domain.timegrid.grid_count`, so DST months hold 2,972 or 2,980
quarter-hours, not 2,976. Months are the area's local calendar months.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.entsoe.areas import AREAS, get_area
from app.entsoe.items import DataType
from app.repositories.status import JobRun, StatusRepository
from app.repositories.stored import StoredPoints
from app.services.freshness import Freshness, freshness
from app.services.monthly import (
    HeatRow,
    heat_rows,
    month_counts,
    month_labels,
    month_thresholds,
)

MAX_MONTHS = 120
MAX_RUNS_PER_JOB = 50


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Everything the status page shows, as of ``now`` (UTC)."""

    now: datetime
    months: list[str]  # "2024-01", oldest first: the heatmap's columns
    rows: list[HeatRow]
    freshness: list[Freshness]
    runs: list[JobRun]

    @property
    def chart_areas(self) -> list[str]:
        """Areas with actual or day-ahead load stored in the heatmap's months."""
        kinds = (DataType.ACTUAL.value, DataType.DAY_AHEAD.value)
        return list(dict.fromkeys(r.area_code for r in self.rows if r.data_type in kinds))


def _first_month(now: datetime, months: int) -> tuple[int, int]:
    index = now.year * 12 + now.month - 1 - (months - 1)
    return index // 12, index % 12 + 1


async def status_report(
    session: AsyncSession,
    *,
    areas: Sequence[str],
    data_types: Sequence[DataType],
    now: datetime | None = None,
    months: int = 36,
    runs_per_job: int = 5,
) -> StatusReport:
    """The report over the last ``months`` local months (the current one included).

    ``areas`` and ``data_types`` (the configured ones) always get a freshness row, stored or
    not; every other stored (area, item) seen in the months gets one too.
    """
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be between 1 and {MAX_MONTHS}, got {months}")
    if not 1 <= runs_per_job <= MAX_RUNS_PER_JOB:
        raise ValueError(
            f"runs_per_job must be between 1 and {MAX_RUNS_PER_JOB}, got {runs_per_job}"
        )
    now = (now or datetime.now(UTC)).astimezone(UTC)
    year, month = _first_month(now, months)
    labels = month_labels(year, month, now)
    thresholds = month_thresholds(labels, {a.zone for a in AREAS})
    repo = StatusRepository(session)
    counts = month_counts(await repo.bucket_counts(thresholds), thresholds)
    order = {t.value: i for i, t in enumerate(DataType)}
    rows = sorted(heat_rows(counts, labels, now), key=lambda r: (r.area_code, order[r.data_type]))
    configured = [(get_area(a).code, t.value) for a in areas for t in data_types]
    pairs = list(dict.fromkeys(configured + [(r.area_code, r.data_type) for r in rows]))
    newest = await StoredPoints(session).latest(list(dict.fromkeys(a for a, _ in pairs)), None)
    fresh = freshness(newest, pairs, now)
    runs = await repo.recent_runs(runs_per_job)
    return StatusReport(now, labels, rows, fresh, runs)
