"""Admission control: past MAX_IN_FLIGHT_REQUESTS requests in progress in this process, the
next one is answered 503 with Retry-After at once, before anything parses it, instead of
joining a queue that only grows. The health probes are always admitted, so an orchestrator
sees an overloaded process as alive (it is) rather than killing it.

The database pool bounds the requests that wait for a connection (impl/db/pool.py); this
bounds everything else a flood would pile up (bodies, token checks, password hashing).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from impl.http.middleware import send_problem

RETRY_AFTER_SECONDS = 1
ALWAYS_ADMITTED = ("/api/v1/health/",)
# A long-lived event stream holds no place among the requests at work while it waits: it has
# caps of its own, per user and per process (impl/events/).
STREAM_PATHS = ("/api/v1/events",)


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, *, max_in_flight: int) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.rejected = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"].startswith(ALWAYS_ADMITTED)
            or (scope["path"] in STREAM_PATHS and scope["method"] in ("GET", "HEAD"))
        ):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            self.rejected += 1
            await send_problem(
                send,
                scope,
                status=503,
                slug="overloaded",
                title="Service overloaded",
                detail=f"The service is at capacity; retry in {RETRY_AFTER_SECONDS} second(s).",
                headers=[(b"retry-after", str(RETRY_AFTER_SECONDS).encode())],
            )
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
