"""Prometheus metrics, exposed on METRICS_PORT by impl/ops/metrics_server.py (never on the
API's port: the public surface stays exactly openapi.yaml).

With several workers, prometheus-client's multiprocess mode is on (impl.serve sets
PROMETHEUS_MULTIPROC_DIR before any worker imports this module): each process writes its
values to files there and the metrics server adds them up.

The database pool (impl/db/pool.py keeps its own counts) is sampled once a second while the
server runs (`reporting_pool`, in the app's lifespan): connections in use, requests waiting
for one, and the checkouts that timed out or were refused; and the event streams open.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import replace
from typing import Protocol

from prometheus_client import Counter, Gauge, Histogram

from impl.db.pool import PoolStats

POOL_SAMPLE_SECONDS = 1.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("tasks_api_http_requests_total", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "tasks_api_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
IN_FLIGHT = Gauge(
    "tasks_api_http_requests_in_flight", "Requests being served now", multiprocess_mode="livesum"
)
PROBLEMS = Counter("tasks_api_problems_total", "Problem (error) answers by type", ["type", "status"])
RATE_LIMIT_REJECTIONS = Counter(
    "tasks_api_rate_limit_rejections_total", "Requests refused with 429, by policy", ["policy"]
)
DB_POOL_IN_USE = Gauge(
    "tasks_api_db_pool_connections_in_use",
    "Database connections checked out of the pool",
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "tasks_api_db_pool_waiting", "Requests waiting for a pooled connection", multiprocess_mode="livesum"
)
EVENT_STREAMS_OPEN = Gauge(
    "tasks_api_event_streams_open", "Event streams (GET /api/v1/events) open now", multiprocess_mode="livesum"
)
DB_POOL_TIMEOUTS = Counter(
    "tasks_api_db_pool_timeouts_total",
    "Requests refused a connection: none free within the pool timeout, or too many waiting",
)


# The labelled children, looked up once per label set: `labels()` costs more than `inc()`.
_requests: dict[tuple[str, str | None, int], tuple[Counter, Histogram]] = {}


def observe_request(method: str, route: str | None, status: int, seconds: float, problem: str | None) -> None:
    key = (method, route, status)
    children = _requests.get(key)
    if children is None:
        labels = (method, route or "unmatched", str(status))
        children = _requests[key] = (REQUESTS.labels(*labels), LATENCY.labels(*labels))
    children[0].inc()
    children[1].observe(seconds)
    if problem is not None:
        PROBLEMS.labels(problem, str(status)).inc()


class PoolStatsSource(Protocol):
    def stats(self) -> PoolStats: ...


def sample_pool(source: PoolStatsSource, last: PoolStats) -> PoolStats:
    """Copy the pool's counts into the metrics; return them, for the next sample's deltas."""
    now = source.stats()
    DB_POOL_IN_USE.set(now.in_use)
    DB_POOL_WAITING.set(now.waiting)
    if now.timeouts + now.rejected > last.timeouts + last.rejected:
        DB_POOL_TIMEOUTS.inc(now.timeouts + now.rejected - last.timeouts - last.rejected)
    return replace(now)


@asynccontextmanager
async def reporting_pool(
    source: PoolStatsSource, *, enabled: bool, open_streams: Callable[[], int] = lambda: 0
) -> AsyncIterator[None]:
    """Sample the pool's counts (and the open event streams) while the server runs."""
    if not enabled:
        yield
        return

    async def sample_forever() -> None:
        last = PoolStats()
        while True:
            last = sample_pool(source, last)
            EVENT_STREAMS_OPEN.set(open_streams())
            await asyncio.sleep(POOL_SAMPLE_SECONDS)

    task = asyncio.create_task(sample_forever())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
