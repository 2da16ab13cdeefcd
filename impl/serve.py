"""`tasks-api serve` (or `python -m impl.serve`): run the API with uvicorn.

HOST, PORT, WORKERS and LOG_LEVEL come from the environment (see impl/settings.py); the
options below override them. Apply the migrations first: `tasks-api migrate`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from impl.settings import get_settings


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
    settings = get_settings()
    uvicorn.run(
        "impl.app:app_factory",
        factory=True,
        host=options.host or settings.host,
        port=options.port or settings.port,
        workers=None if options.reload else (options.workers or settings.workers),
        reload=options.reload,
        log_level=settings.log_level,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
