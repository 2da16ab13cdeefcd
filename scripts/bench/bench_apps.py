"""Apps for scripts/bench/asgi_servers.py (served with `--app-dir scripts/bench`).

- `floor`: the reference floor, one async route returning pre-encoded JSON;
- `without_access_log`: tasks-api minus its access-log/metrics middleware, to price it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

from impl.app import app_factory
from impl.http.access_log import AccessLogMiddleware

floor = FastAPI()
OK = b'{"status":"ok"}'


@floor.get("/api/v1/health/live")
async def live() -> Response:
    return Response(OK, media_type="application/json")


def without_access_log() -> Any:
    app = app_factory()
    app.user_middleware = [entry for entry in app.user_middleware if entry.cls is not AccessLogMiddleware]
    return app
