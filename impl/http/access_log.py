"""One access-log line per request, and the request metrics: the outermost ASGI layer.

The line holds the request id, method, route template (`/api/v1/tasks/{task_id}`, never the
query string or a token), status, duration, the caller's user id once authenticated, the
problem type of an error answer, and whether the client went away before its answer (then it
is a warning: the work may have been done, e.g. committed, for nobody).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from impl.http.middleware import assign_request_id
from impl.ops import metrics
from impl.ops.log_setup import REQUEST_ID

logger = logging.getLogger("tasks_api.access")
CLIENT_CLOSED_REQUEST = 499  # nginx's status for "the client went away first"
MAX_LOGGED_PATH = 200


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, *, metrics_enabled: bool = False) -> None:
        self.app = app
        self.metrics_enabled = metrics_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = assign_request_id(scope)
        token = REQUEST_ID.set(request_id)
        status = CLIENT_CLOSED_REQUEST

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        if self.metrics_enabled:
            metrics.IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template: str | None = getattr(route, "path", None)
            state: dict[str, Any] = scope["state"]
            if self.metrics_enabled:
                metrics.IN_FLIGHT.dec()
                metrics.observe_request(scope["method"], template, status, seconds, state.get("problem"))
            gone = bool(state.get("client_disconnected"))
            # A client that went away, and a 5xx, are for the operator to look at.
            level = logging.WARNING if gone or status >= 500 else logging.INFO
            if logger.isEnabledFor(level):
                _log(level, scope, template=template, status=status, seconds=seconds, gone=gone)
            REQUEST_ID.reset(token)


def _log(level: int, scope: Scope, *, template: str | None, status: int, seconds: float, gone: bool) -> None:
    state: dict[str, Any] = scope["state"]
    duration_ms = round(seconds * 1000, 2)
    fields: dict[str, Any] = {
        "request_id": state.get("request_id"),
        "method": scope["method"],
        "route": template,
        "status": status,
        "duration_ms": duration_ms,
        "user_id": state.get("user_id"),
    }
    if template is None:
        fields["path"] = scope["path"][:MAX_LOGGED_PATH]
    if "problem" in state:
        fields["problem"] = state["problem"]
    if gone:
        fields["client_disconnected"] = True
    message = "%s %s %s %.1fms" + (" (the client went away first)" if gone else "")
    logger.log(
        level, message, scope["method"], template or fields.get("path"), status, duration_ms, extra=fields
    )
