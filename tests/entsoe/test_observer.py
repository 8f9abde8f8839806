"""The ENTSO-E client's observer hook: every request, retry, ban and wait is reported, on the
client's virtual clock, and the service's metrics count them."""

from __future__ import annotations

import httpx
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from app.entsoe.items import DataType
from app.metrics import Metrics
from tests.entsoe.test_client import Handler, VirtualTime, make_client, ok, utc


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, float | int | None]] = []

    def request(self, status: int | None, seconds: float) -> None:
        self.events.append(("request", status))

    def retry(self, delay: float) -> None:
        self.events.append(("retry", delay))

    def rate_limited(self, ban: float) -> None:
        self.events.append(("rate_limited", ban))

    def throttled(self, seconds: float) -> None:
        if seconds:
            self.events.append(("throttled", seconds))


def scripted() -> Handler:
    """429 (a 3 s ban), 503, a timeout, then the document."""
    answers = iter(["429", "503", "timeout"])

    def handler(request: httpx.Request) -> httpx.Response:
        step = next(answers, "ok")
        if step == "429":
            return httpx.Response(429, headers={"Retry-After": "3"}, text="slow down")
        if step == "503":
            return httpx.Response(503, text="busy")
        if step == "timeout":
            raise httpx.ReadTimeout("read timed out", request=request)
        return ok(request)

    return handler


async def test_the_observer_hears_every_request_retry_ban_and_wait() -> None:
    vt, recorder = VirtualTime(), Recorder()
    client = make_client(vt, scripted(), observer=recorder)
    result = await client.fetch(DataType.ACTUAL, "DE_LU", utc("2024-01-01"), utc("2024-01-02"))
    assert result.requests == 4 and not result.empty
    backoffs = [delay for kind, delay in recorder.events if kind == "retry"]
    assert recorder.events == [
        ("request", 429),
        ("rate_limited", 3.0),
        ("throttled", 3.0),  # the next request waited out the ban
        ("request", 503),
        ("retry", backoffs[0]),
        ("request", None),  # no reply: timed out
        ("retry", backoffs[1]),
        ("request", 200),
    ]
    # everything the client slept is reported as a wait, nothing more
    assert sum(vt.sleeps) == 3.0 + sum(backoffs)


async def test_the_service_metrics_count_what_the_client_reports() -> None:
    vt = VirtualTime()
    metrics = Metrics(areas=["DE_LU"], data_types=["actual"])
    client = make_client(vt, scripted(), observer=metrics.entsoe)
    await client.fetch(DataType.ACTUAL, "DE_LU", utc("2024-01-01"), utc("2024-01-02"))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(generate_latest(metrics.registry).decode())
        for s in family.samples
    }
    for status in ("429", "503", "error", "200"):
        assert samples[("eds_entsoe_requests_total", (("status", status),))] == 1
    assert samples[("eds_entsoe_request_duration_seconds_count", ())] == 4
    assert samples[("eds_entsoe_retries_total", ())] == 2
    assert samples[("eds_entsoe_rate_limited_total", ())] == 1
    waited = {
        reason: samples[("eds_entsoe_wait_seconds_total", (("reason", reason),))]
        for reason in ("rate_limit", "backoff")
    }
    assert waited["rate_limit"] == 3.0
    assert waited["rate_limit"] + waited["backoff"] == sum(vt.sleeps)
