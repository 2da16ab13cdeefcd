"""`python -m impl.serve`: run uvicorn on the configured HOST:PORT (see scripts/serve)."""

from __future__ import annotations

import uvicorn

from impl.settings import get_settings


def main() -> None:
    settings = get_settings()
    uvicorn.run(
        "impl.app:app_factory",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )


if __name__ == "__main__":
    main()
