"""Prometheus metrics, exposed on METRICS_PORT by impl/ops/metrics_server.py (never on the
API's port: the public surface stays exactly openapi.yaml).

With several workers, prometheus-client's multiprocess mode is on (impl.serve sets
PROMETHEUS_MULTIPROC_DIR before any worker imports this module): each process writes its
values to files there and the metrics server adds them up.

The database layer reports its pool through three calls, for sync and async engines alike:
- `instrument_pool(pool)`: connections in use, from the pool's checkout/checkin events
  (pass `engine.pool`, or `async_engine.sync_engine.pool`);
- `waiting_for_connection()`: a context manager around a checkout, so that requests queued
  for a connection show as waiting;
- `DB_POOL_TIMEOUTS`: counted by impl/http/outages.py when a checkout times out (503).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.pool import Pool

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
DB_POOL_TIMEOUTS = Counter(
    "tasks_api_db_pool_timeouts_total", "Checkouts that found no connection within the pool timeout"
)


def observe_request(method: str, route: str | None, status: int, seconds: float, problem: str | None) -> None:
    labels = (method, route or "unmatched", str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)
    if problem is not None:
        PROBLEMS.labels(problem, str(status)).inc()


def instrument_pool(pool: Pool) -> None:
    def checked_out(*_: Any) -> None:
        DB_POOL_IN_USE.inc()

    def checked_in(*_: Any) -> None:
        DB_POOL_IN_USE.dec()

    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)


@contextmanager
def waiting_for_connection() -> Iterator[None]:
    DB_POOL_WAITING.inc()
    try:
        yield
    finally:
        DB_POOL_WAITING.dec()
