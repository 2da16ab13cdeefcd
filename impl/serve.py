"""`python -m impl.serve`: run the service on the configured HOST:PORT (see scripts/serve).

uvicorn, with the hardened HTTP protocol of impl/server/protocol.py (header size limit,
header and body read timeouts, a connection cap), a keep-alive timeout, a deadline for
graceful shutdown (SHUTDOWN_TIMEOUT_SECONDS), our access log instead of uvicorn's, and the
metrics endpoint on METRICS_PORT when it is set.
"""

from __future__ import annotations

import uvicorn

from impl.db.engine import build_database
from impl.ops.log_setup import configure_logging
from impl.ops.startup_errors import database_errors_explained, load_settings
from impl.server.limits import raise_descriptor_limit

PROTOCOL = "impl.server.protocol:HardenedHttpToolsProtocol"


def main() -> None:
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
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        http=PROTOCOL,
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


if __name__ == "__main__":
    main()
