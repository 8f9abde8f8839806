"""Background collections for POST /collect-data requests too large to run inline.

A job is the set of ``collection_runs`` rows sharing one ``job_id``: they are inserted as
``pending`` when the job is accepted and updated window by window, so any replica can report a
job's progress (``GET /collect-jobs/{id}``), not only the one running it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog

from app.entsoe.items import DataType
from app.repositories.runs import CollectionRunRepository, NewRun
from app.services.collection import DataCollectionService
from app.services.results import COUNTERS, overall_status

log = structlog.get_logger(__name__)

Pair = tuple[str, DataType]
_DONE = ("succeeded", "partial", "failed", "skipped")


class CollectJobRunner:
    """Runs accepted jobs as asyncio tasks of this process; :meth:`shutdown` cancels them."""

    def __init__(self, service: DataCollectionService) -> None:
        self.service = service
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(
        self, pairs: Sequence[Pair], start: datetime, end: datetime, *, lock_wait: float
    ) -> uuid.UUID:
        job_id = uuid.uuid4()
        runs = [
            NewRun(
                "api",
                area,
                dt.value,
                start,
                end,
                job_id=job_id,
                windows_planned=len(self.service.plan(dt, start, end)),
            )
            for area, dt in pairs
        ]
        async with self.service.database.session() as session:
            run_ids = await CollectionRunRepository(session).create(runs)
        task = asyncio.create_task(self._run(job_id, pairs, run_ids, start, end, lock_wait))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        log.info("collect.job_accepted", job_id=str(job_id), collections=len(pairs))
        return job_id

    async def _run(
        self,
        job_id: uuid.UUID,
        pairs: Sequence[Pair],
        run_ids: Sequence[int],
        start: datetime,
        end: datetime,
        lock_wait: float,
    ) -> None:
        for (area, dt), run_id in zip(pairs, run_ids, strict=True):
            try:
                await self.service.collect(
                    area, dt, start, end, trigger="api", run_id=run_id, lock_wait=lock_wait
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # e.g. the database went away; the job's rows tell the rest
                log.error("collect.job_failed", job_id=str(job_id), error=type(exc).__name__)
        log.info("collect.job_finished", job_id=str(job_id))

    async def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait(self) -> None:
        """Until every accepted job has finished (tests, graceful stops)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def job_report(job_id: uuid.UUID, runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The JSON a job's status request answers with, from its ``collection_runs`` rows: pending,
    running, or once every run is done the overall status of POST /collect-data (see
    :func:`app.services.results.overall_status`), skipped pairs listed."""
    statuses = [r["status"] for r in runs]
    if all(s == "pending" for s in statuses):
        status = "pending"
    elif any(s not in _DONE for s in statuses):
        status = "running"
    else:
        status = overall_status(statuses)
    counters = [c for c in COUNTERS if c != "points"]
    totals = {c: sum(int(r[c]) for r in runs) for c in counters}
    totals["failed"] = sum(int(r["failed_windows"]) for r in runs)
    return {
        "job_id": str(job_id),
        "status": status,
        "progress": {
            "collections": len(runs),
            "collections_done": sum(s in _DONE for s in statuses),
            "windows_planned": sum(int(r["windows_planned"]) for r in runs),
            "windows_done": sum(int(r["windows"]) + int(r["failed_windows"]) for r in runs),
        },
        "totals": totals,
        "skipped": [
            {"area": r["area_code"], "data_type": r["data_type"]}
            for r in runs
            if r["status"] == "skipped"
        ],
        "collections": [
            {
                "area": r["area_code"],
                "data_type": r["data_type"],
                "status": r["status"],
                "windows_planned": r["windows_planned"],
                **{c: r[c] for c in counters},
                "failed_windows": r["failed_windows"],
                "errors": r["errors"],
                "started_at": r["started_at"],
                "finished_at": r["finished_at"],
                "duration_s": r["duration_s"],
            }
            for r in runs
        ],
    }
