"""The reference floor of scripts/bench-http: the least a FastAPI route costs on this machine.

One `async def` route answering a JSON body encoded once, at import: no validation, no
serialisation, no database, no middleware. scripts/bench-http serves it with uvicorn the way
the real server is served (same workers, log level, no server header) and reports every
workload as a percentage of its req/s measured in the same run.
"""

from __future__ import annotations

from fastapi import FastAPI, Response

BODY = b'{"status":"ok"}'

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/api/v1/health/live")
async def live() -> Response:
    return Response(content=BODY, media_type="application/json")
