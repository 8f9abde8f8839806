"""The service's Prometheus metrics: one :class:`Metrics` (and registry) per app or CLI container.

Never the process-wide default registry, so two apps in one process (tests) count separately.
Every label set is bounded: areas and data types by configuration, jobs by the scheduler's list,
routes by their template, statuses by HTTP; nothing takes a raw path, a query or a message.

Events are recorded where they happen (the ENTSO-E client through its observer hook, the
collection service per window, the scheduler per tick, the API middleware per request); what is
stored is read at scrape time (:class:`StoredSnapshot`, filled by ``GET /metrics``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from app.services.results import WindowResult

WINDOW_OUTCOMES = ("stored", "empty", "failed")
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# No `*_created` gauge beside every counter and histogram: Prometheus does not need them in the
# text format, and they would double the series. (A switch of the library, for the process.)
disable_created_metrics()  # type: ignore[no-untyped-call]

_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
_ENTSOE_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_JOB_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 7200)


@dataclass(slots=True)
class StoredSnapshot:
    """What the last store query found: per (area, data type, production type) the newest
    timestamp and the rows.

    ``taken_at`` is ``time.monotonic()`` of the query (None: never queried); ``database_up``
    whether it answered. Ages are computed when scraped, so a cached snapshot never ages wrong.
    """

    newest: dict[tuple[str, str, str], datetime] = field(default_factory=dict)
    points: dict[tuple[str, str, str], int] = field(default_factory=dict)
    database_up: bool = False
    taken_at: float | None = None


class _StoreCollector:
    """Scrape-time gauges from the current :class:`StoredSnapshot` (no database call here)."""

    def __init__(
        self, metrics: Metrics, pairs: Sequence[tuple[str, str]], now: Callable[[], float]
    ) -> None:
        self._metrics, self._pairs, self._now = metrics, pairs, now

    def collect(self) -> Iterable[Metric]:
        snapshot = self._metrics.stored
        up = GaugeMetricFamily(
            "eds_database_up", "1 when the last store query (GET /metrics) answered, else 0"
        )
        up.add_metric([], 1.0 if snapshot.database_up else 0.0)
        yield up
        if not snapshot.database_up:
            return  # no stale numbers while the database is away
        labels = ["area", "data_type", "psr_type"]
        points = GaugeMetricFamily(
            "eds_stored_points",
            "Points stored per configured area and data type, per production type (psr_type,"
            " empty for load)",
            labels=labels,
        )
        age = GaugeMetricFamily(
            "eds_newest_point_age_seconds",
            "Seconds from the newest stored point's start to now (negative for forecasts ahead),"
            " per production type",
            labels=labels,
        )
        now = self._now()
        series: dict[tuple[str, str], list[str]] = {}
        for area, data_type, psr_type in snapshot.points:
            series.setdefault((area, data_type), []).append(psr_type)
        for pair in self._pairs:
            # Nothing stored is a 0 (psr_type ""), so an absent item is seen, not silent.
            for psr_type in series.get(pair, [""]):
                key = (*pair, psr_type)
                points.add_metric(list(key), float(snapshot.points.get(key, 0)))
                newest = snapshot.newest.get(key)
                if newest is not None:
                    age.add_metric(list(key), now - newest.timestamp())
        yield points
        yield age


class EntsoeMetrics:
    """The ENTSO-E client's observer (:class:`app.entsoe.observer.ClientObserver`)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "eds_entsoe_requests",
            "HTTP requests to ENTSO-E by status (error: no reply - timeout, reset, too large)",
            ["status"],
            registry=registry,
        )
        self.duration = Histogram(
            "eds_entsoe_request_duration_seconds",
            "Seconds from sending an ENTSO-E request to having its whole reply",
            buckets=_ENTSOE_BUCKETS,
            registry=registry,
        )
        self.retries = Counter(
            "eds_entsoe_retries",
            "ENTSO-E requests tried again after a 5xx, a transport error or an unreadable reply",
            registry=registry,
        )
        self.bans = Counter(
            "eds_entsoe_rate_limited", "HTTP 429 answers (bans) from ENTSO-E", registry=registry
        )
        self.waited = Counter(
            "eds_entsoe_wait_seconds",
            "Seconds spent waiting before ENTSO-E requests: rate_limit (the client's limit or a"
            " 429 ban) or backoff (before a retry)",
            ["reason"],
            registry=registry,
        )
        for reason in ("rate_limit", "backoff"):
            self.waited.labels(reason)

    def request(self, status: int | None, seconds: float) -> None:
        self.requests.labels("error" if status is None else str(status)).inc()
        self.duration.observe(seconds)

    def retry(self, delay: float) -> None:
        self.retries.inc()
        self.waited.labels("backoff").inc(delay)

    def rate_limited(self, ban: float) -> None:
        self.bans.inc()

    def throttled(self, seconds: float) -> None:
        if seconds > 0:
            self.waited.labels("rate_limit").inc(seconds)


class Metrics:
    """Every metric of one app, in its own :attr:`registry`."""

    def __init__(
        self,
        *,
        areas: Sequence[str],
        data_types: Sequence[str],
        version: str = "",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        Info("eds_build", "The running service", registry=registry).info({"version": version})
        types = [str(t) for t in data_types]
        self.stored = StoredSnapshot()
        self.store_lock = asyncio.Lock()  # one store query at a time, however many scrapes
        registry.register(_StoreCollector(self, [(a, t) for a in areas for t in types], now))
        self.entsoe = EntsoeMetrics(registry)
        self.windows = Counter(
            "eds_collection_windows",
            "Collection windows by outcome: stored (points upserted), empty (ENTSO-E had none)"
            " or failed",
            ["data_type", "outcome"],
            registry=registry,
        )
        for data_type in types:
            for outcome in WINDOW_OUTCOMES:
                self.windows.labels(data_type, outcome)
        self.job_runs = Counter(
            "eds_scheduler_job_runs",
            "Scheduler ticks by job and outcome: ran, failed, skipped_running (another replica"
            " runs it), skipped_done (the tick ran already)",
            ["job", "outcome"],
            registry=registry,
        )
        self.job_duration = Histogram(
            "eds_scheduler_job_duration_seconds",
            "Seconds a scheduler tick took (ticks that ran or failed)",
            ["job"],
            buckets=_JOB_BUCKETS,
            registry=registry,
        )
        self.http_duration = Histogram(
            "eds_http_request_duration_seconds",
            "Seconds from receiving an API request to the end of its answer, by method, route"
            " template and status class",
            ["method", "route", "status"],
            buckets=_HTTP_BUCKETS,
            registry=registry,
        )
        self.pool_in_use = Gauge(
            "eds_db_pool_connections_in_use",
            "Database connections checked out of the pool at scrape time",
            registry=registry,
        )

    def window(self, result: WindowResult) -> None:
        """One collection window ended (the collection service's hook)."""
        outcome = "failed" if result.failure else "empty" if result.empty else "stored"
        self.windows.labels(result.data_type, outcome).inc()

    def job_run(self, job: str, outcome: str, seconds: float) -> None:
        """One scheduler tick ended (the scheduler's hook)."""
        self.job_runs.labels(job, outcome).inc()
        if outcome in ("ran", "failed"):
            self.job_duration.labels(job).observe(seconds)

    def http_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One API request answered; ``route`` is the matched template, never the raw path."""
        verb = method if method in HTTP_METHODS else "other"
        self.http_duration.labels(verb, route, f"{status // 100}xx").observe(seconds)

    def store_answered(
        self, spans: Iterable[tuple[str, str, str, datetime | None, int]], taken_at: float
    ) -> None:
        """The store query's rows (area, data type, production type, newest timestamp, rows)."""
        snapshot = StoredSnapshot(database_up=True, taken_at=taken_at)
        for area, data_type, psr_type, newest, count in spans:
            snapshot.points[(area, data_type, psr_type)] = count
            if newest is not None:
                snapshot.newest[(area, data_type, psr_type)] = newest
        self.stored = snapshot

    def store_failed(self, taken_at: float) -> None:
        self.stored = StoredSnapshot(database_up=False, taken_at=taken_at)
