"""The command line of scripts/bench-http."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from .servers import REFERENCE_COMMAND, SERVER_COMMAND
from .workloads import SELECTABLE

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class Options:
    workers: int
    duration: int
    runs: int
    warmup: int
    threads: int
    connections: int
    only: tuple[str, ...]
    json_path: Path | None
    database_url: str
    server_command: str
    reference_command: str
    server_python: Path
    open_tasks: int
    big_users: int
    big_tasks: int
    overload_connections: int
    overload_duration: int
    login_clients: int
    server_settings: tuple[str, ...]

    def selected(self, name: str) -> bool:
        return name in self.only


def _names(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in SELECTABLE]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown workload {', '.join(unknown)}; choose from {SELECTABLE}")
    return names


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return number


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="scripts/bench-http",
        description="HTTP benchmark of tasks-api against a bare FastAPI reference floor (wrk).",
    )
    parser.add_argument("--workers", type=_positive, default=1, help="server and reference workers")
    parser.add_argument("--duration", type=_positive, default=15, help="seconds per measured run")
    parser.add_argument("--runs", type=_positive, default=1, help="runs per workload (medians shown)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load first")
    parser.add_argument("--threads", type=_positive, default=2, help="wrk -t")
    parser.add_argument("--connections", type=_positive, default=32, help="wrk -c")
    parser.add_argument(
        "--only",
        type=_names,
        default=SELECTABLE,
        help=f"comma-separated subset of {','.join(SELECTABLE)} (the floor always runs)",
    )
    parser.add_argument("--json", dest="json_path", type=Path, help="also write the figures here")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="a PostgreSQL server URL; a throwaway database is created on it and dropped",
    )
    parser.add_argument(
        "--server-cmd",
        dest="server_command",
        default=SERVER_COMMAND,
        help="the server's command; {python} {host} {port} {workers} are filled in, and HOST, "
        f"PORT, WORKERS, DATABASE_URL... are in its environment (default: {SERVER_COMMAND})",
    )
    parser.add_argument("--reference-cmd", dest="reference_command", default=REFERENCE_COMMAND)
    parser.add_argument(
        "--server-python",
        type=Path,
        default=Path(".venv/bin/python"),
        help="the service environment's Python (runs the server, the reference and migrations)",
    )
    parser.add_argument("--open-tasks", type=_positive, default=50_000, help="open tasks for complete")
    parser.add_argument("--big-users", type=_positive, default=1_000, help="other users for list-100-big")
    parser.add_argument("--big-tasks", type=_positive, default=1_000_000, help="their tasks, in all")
    parser.add_argument("--overload-connections", type=_positive, default=1_000)
    parser.add_argument("--overload-duration", type=_positive, default=30)
    parser.add_argument("--login-clients", type=_positive, default=8, help="for login-interference")
    parser.add_argument(
        "--setting",
        dest="server_settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of the server's environment, e.g. DATABASE_POOL_SIZE=4 (repeatable)",
    )
    args = parser.parse_args(argv)
    for setting in args.server_settings:
        if "=" not in setting:
            parser.error(f"--setting {setting!r}: write NAME=VALUE")
    args.server_settings = tuple(args.server_settings)
    only = tuple(name for name in SELECTABLE if name in args.only)
    return Options(**{**vars(args), "only": only, "server_python": args.server_python.absolute()})
