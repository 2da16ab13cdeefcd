"""A liveness probe like an orchestrator's: a FRESH TCP connection every ~100 ms, GET
/api/v1/health/live, a 5 s budget. Run beside the overload, it shows whether the server
still accepts and answers a newcomer, or stalls."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

INTERVAL_SECONDS = 0.1
BUDGET_SECONDS = 5.0


@dataclass(frozen=True)
class Outcome:
    seconds: float
    failure: str | None  # "timeout", "error", "status 503"... None when it answered 200


@dataclass(frozen=True)
class ProbeSummary:
    probes: int
    ok: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    timeouts: int
    errors: int
    bad_status: int

    @property
    def failures(self) -> int:
        return self.timeouts + self.errors + self.bad_status


def probe_once(host: str, port: int, path: str) -> Outcome:
    started = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=BUDGET_SECONDS)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        status = response.status
    except TimeoutError:
        return Outcome(time.perf_counter() - started, "timeout")
    except (OSError, http.client.HTTPException):
        return Outcome(time.perf_counter() - started, "error")
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    if elapsed > BUDGET_SECONDS:
        return Outcome(elapsed, "timeout")
    return Outcome(elapsed, None if status == 200 else f"status {status}")


class Prober:
    """Probes on a fixed schedule until stopped; a slow probe does not delay the next one."""

    def __init__(self, host: str, port: int, path: str) -> None:
        self._target = (host, port, path)
        self._stopping = threading.Event()
        self._futures: list[Future[Outcome]] = []
        self._pool = ThreadPoolExecutor(max_workers=int(BUDGET_SECONDS / INTERVAL_SECONDS) + 10)
        self._thread = threading.Thread(target=self._schedule, daemon=True)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join()
        self._pool.shutdown(wait=True)

    def _schedule(self) -> None:
        next_at = time.monotonic()
        while not self._stopping.is_set():
            self._futures.append(self._pool.submit(probe_once, *self._target))
            next_at += INTERVAL_SECONDS
            self._stopping.wait(max(0.0, next_at - time.monotonic()))

    def summary(self) -> ProbeSummary:
        outcomes = [future.result() for future in self._futures]
        answered = [outcome.seconds * 1000 for outcome in outcomes if outcome.failure is None]
        failures = [outcome.failure for outcome in outcomes if outcome.failure is not None]
        return ProbeSummary(
            probes=len(outcomes),
            ok=len(answered),
            p50_ms=statistics.median(answered) if answered else 0.0,
            p99_ms=_percentile(answered, 99),
            max_ms=max((outcome.seconds * 1000 for outcome in outcomes), default=0.0),
            timeouts=failures.count("timeout"),
            errors=failures.count("error"),
            bad_status=sum(1 for failure in failures if failure.startswith("status")),
        )


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]
