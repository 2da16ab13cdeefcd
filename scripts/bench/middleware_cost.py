"""CPU cost of the access-log/metrics middleware per request, in process (no network, no
load generator: the figure holds on a busy machine where wrk's req/s swing by 20 %).

    .venv-dev/bin/python scripts/bench/middleware_cost.py

Calls the app's ASGI callable directly for GET /api/v1/health/live, N times per variant, and
prints microseconds per request: the app without the middleware, with it and its access log
line (JSON, to /dev/null), with the line filtered out by LOG_LEVEL, and with metrics too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from impl.app import create_app  # noqa: E402
from impl.http.access_log import AccessLogMiddleware  # noqa: E402
from impl.ops.log_setup import configure_logging  # noqa: E402
from impl.settings import Settings  # noqa: E402

N = int(os.environ.get("BENCH_REQUESTS", "20000"))
SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.3"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/api/v1/health/live",
    "raw_path": b"/api/v1/health/live",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"127.0.0.1"), (b"accept", b"*/*"), (b"user-agent", b"bench")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
}


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(_message: dict[str, Any]) -> None:
    return None


async def per_request(app: Any) -> float:
    for _ in range(500):  # warm up: routes, caches, the middleware stack
        await app({**SCOPE, "state": {}}, receive, send)
    started = time.perf_counter()
    for _ in range(N):
        await app({**SCOPE, "state": {}}, receive, send)
    return (time.perf_counter() - started) / N * 1e6


def build(database: str, *, access_log: bool, metrics: bool) -> Any:
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{database}",
        jwt_secret="bench-secret-" + "b" * 40,
        metrics_port=9999 if metrics else None,
    )
    app = create_app(settings)
    if not access_log:
        app.user_middleware = [entry for entry in app.user_middleware if entry.cls is not AccessLogMiddleware]
    return app


async def main() -> None:
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115  (the log lines go nowhere)
    database = str(Path(tempfile.mkdtemp()) / "bench.db")
    variants = [
        ("without the access-log middleware", False, False, "info"),
        ("with it, access line logged (JSON)", True, False, "info"),
        ("with it, access line filtered out (LOG_LEVEL=warning)", True, False, "warning"),
        ("with it and metrics (METRICS_PORT set)", True, True, "info"),
    ]
    results = []
    for _round in range(3):  # interleaved rounds: drift on a busy machine hits all alike
        for name, access_log, metrics, level in variants:
            configure_logging(level, "json")
            results.append((name, await per_request(build(database, access_log=access_log, metrics=metrics))))
    logging.shutdown()
    for name, *_ in variants:
        best = min(cost for variant, cost in results if variant == name)
        print(f"{name}: {best:.1f} us per request (best of 3 x {N})", file=sys.__stdout__)


if __name__ == "__main__":
    asyncio.run(main())
