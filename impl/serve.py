"""`tasks-api serve` (or `python -m impl.serve`): run the service on HOST:PORT.

HOST, PORT, WORKERS and LOG_LEVEL come from the environment (see impl/settings.py); the
options (--host, --port, --workers, --reload) override them. Apply the migrations first:
`tasks-api migrate`.

uvicorn, with the hardened HTTP protocol of impl/server/protocol.py (header size limit,
header and body read timeouts, a connection cap), a keep-alive timeout, a deadline for
graceful shutdown (SHUTDOWN_TIMEOUT_SECONDS), our access log instead of uvicorn's, and the
metrics endpoint on METRICS_PORT when it is set.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from impl.db.engine import build_database
from impl.ops.log_setup import configure_logging
from impl.ops.startup_errors import database_errors_explained, load_settings
from impl.server.limits import raise_descriptor_limit

PROTOCOL = "impl.server.protocol:HardenedHttpToolsProtocol"
LOOPS = {"asyncio": "impl.server.loop:ServerEventLoop", "uvloop": "impl.server.loop:UvloopServerLoop"}


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="tasks-api serve",
        description="Serve the API (apply the migrations first: tasks-api migrate).",
    )
    parse.add_argument("--host", help="interface to listen on (default: HOST, else 127.0.0.1)")
    parse.add_argument("--port", type=int, help="port to listen on (default: PORT, else 8000)")
    parse.add_argument("--workers", type=int, help="worker processes (default: WORKERS, else 1)")
    parse.add_argument(
        "--reload", action="store_true", help="restart when the code changes (development; one worker)"
    )
    return parse


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    if options.reload and options.workers not in (None, 1):
        parser().error("--reload serves with one worker; drop --workers")
    settings = load_settings()
    configure_logging(settings.log_level, settings.effective_log_format)
    with database_errors_explained(settings.database_url):
        build_database(settings)  # a URL it cannot use fails here, before any worker starts
    raise_descriptor_limit()
    if settings.metrics_port is not None:
        from impl.ops.metrics_server import start_metrics_server  # noqa: PLC0415  (before prometheus_client)

        start_metrics_server(settings.host, settings.metrics_port)
    uvicorn.run(
        "impl.app:app_factory",
        factory=True,
        host=options.host or settings.host,
        port=options.port or settings.port,
        workers=None if options.reload else (options.workers or settings.workers),
        reload=options.reload,
        http=PROTOCOL,
        loop=LOOPS[settings.event_loop],
        ws="none",  # no WebSocket routes: an upgrade request is plain HTTP here
        log_config=None,
        log_level=settings.log_level,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
        timeout_keep_alive=settings.keep_alive_timeout_seconds,
        timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
