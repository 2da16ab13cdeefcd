"""One benchmark run: a throwaway database, the two servers, the seeds, then the workloads.

Everything started here is stopped on the way out, also on Ctrl-C or a failure: the servers
by PID, then the database is dropped.
"""

from __future__ import annotations

import os
import platform
import secrets
import shlex
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import httpx

from . import database
from .accounts import create_list_tasks, register
from .options import Options
from .report import Report
from .servers import Server, running
from .suite import OPEN_PREFIX, NotRecovered, Seeds, Suite, progress
from .workloads import FLOOR, LIVE_PATH, STEADY, Workload

REPO = Path(__file__).resolve().parents[3]
LOGS = REPO / "artifacts" / "bench-http"
MIGRATE = ("-m", "impl.migrate", "upgrade")
RW_TASKS = 1_000
# Only login is rate-limited (impl/settings.py); the limiter stays on, with room for the
# login workload, instead of being disabled.
LOGIN_LIMIT = "1000000/minute"


def server_env(database_url: str) -> dict[str, str]:
    """The server's whole environment: nothing else leaks in from the caller's."""
    kept = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL", "TZ") if name in os.environ}
    return {
        **kept,
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": database_url,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ENVIRONMENT": "production",
        "LOG_LEVEL": "warning",
        # The run outlasts the default 15 minutes of the benchmark's tokens.
        "ACCESS_TOKEN_TTL_SECONDS": "86400",
        "RATE_LIMIT_LOGIN_PER_ADDRESS": LOGIN_LIMIT,
        "RATE_LIMIT_LOGIN_PER_ACCOUNT": LOGIN_LIMIT,
        # One user drives every workload: the per-user quota (600 a minute) is raised like the
        # login limits, not switched off.
        "RATE_LIMIT_PER_USER": "1000000000/minute",
    }


def _output(command: list[str], *, cwd: Path = REPO) -> str:
    """The command's output, or "?" if it failed (no git checkout, no wrk...)."""
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return done.stdout.strip() if done.returncode == 0 else "?"


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def describe(options: Options) -> dict[str, str]:
    commit = _output(["git", "rev-parse", "--short=12", "HEAD"])
    branch = _output(["git", "rev-parse", "--abbrev-ref", "HEAD"])
    status = _output(["git", "status", "--porcelain", "--untracked-files=no"])
    dirty = " + uncommitted changes" if status not in {"", "?"} else ""
    python = _output([str(options.server_python), "-c", "import platform; print(platform.python_version())"])
    # `wrk -v` prints its version and usage, and exits 1.
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=30, check=False)
    wrk_line = (wrk_version.stdout or wrk_version.stderr).split("Copyright")[0].strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": f"{commit} ({branch}){dirty}",
        "workers": str(options.workers),
        "machine": f"{len(os.sched_getaffinity(0))} CPUs (nproc), Python {python}, {platform.machine()}, "
        f"{wrk_line}",
        "load average": f"{_load_average()} (1/5/15 min) before",
        "wrk": f"-t{options.threads} -c{options.connections} -d{options.duration}s, {options.warmup} s "
        f"warm-up, {options.runs} run(s) per workload (medians)",
    }


def seed(server_url: str, connection: database.Connection, options: Options, work: Path) -> Seeds:
    progress("seeding: accounts, 100 tasks to list, the writer's tasks")
    with httpx.Client(base_url=server_url, timeout=60) as client:
        lister, writer, login = (
            register(client, "lister"),
            register(client, "writer"),
            register(client, "login"),
        )
        create_list_tasks(client, lister)
    rw_ids = work / "rw-ids.txt"
    ids = database.insert_own_tasks(connection, owner_id=writer.user_id, prefix="Bench item", count=RW_TASKS)
    rw_ids.write_text("".join(f"{task_id}\n" for task_id in ids))
    if options.selected("complete"):
        database.insert_own_tasks(
            connection, owner_id=writer.user_id, prefix=OPEN_PREFIX, count=options.open_tasks
        )
    return Seeds(lister, writer, login, rw_ids, work / "open-ids.txt")


def measure(suite: Suite, report: Report) -> None:
    """Every selected workload in order. A failed one is reported and the next one runs, as
    long as the server is alive and live: a partial table beats none."""
    options = suite.options
    steps: list[tuple[str, Callable[[], None]]] = [
        (workload.name, partial(_steady, suite, report, workload))
        for workload in STEADY
        if workload is FLOOR or options.selected(workload.name)
    ]
    if options.selected("login-interference"):
        steps.append(("login-interference", partial(_interference, suite, report)))
    if options.selected("list-100-big"):
        steps.append(("list-100-big", partial(_list_big, suite, report)))
    # Last: an overload can leave the server unable to answer for minutes.
    if options.selected("overload"):
        steps.append(("overload", partial(_overload, suite, report)))
    for name, step in steps:
        try:
            step()
        except NotRecovered as error:
            report.overload = error.overload or report.overload
            report.failures.append(f"{error}: the workloads after it were not measured")
            return
        except RuntimeError as error:
            report.failures.append(f"{name} failed: {error}")
            if not suite.server.alive():
                return


def _steady(suite: Suite, report: Report, workload: Workload) -> None:
    report.figures.append(suite.measure(workload))


def _interference(suite: Suite, report: Report) -> None:
    report.interference = suite.login_interference()


def _overload(suite: Suite, report: Report) -> None:
    report.overload = suite.overload()


def _list_big(suite: Suite, report: Report) -> None:
    options = suite.options
    figures, seconds = suite.list_big()
    report.figures += figures
    report.meta["big table"] = (
        f"{options.big_tasks:,} tasks of {options.big_users:,} other users, inserted in {seconds:.0f} s"
    )


def run(options: Options) -> Report:
    report = Report(describe(options))
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-http-")))
        database_url = stack.enter_context(database.throwaway_database(options.database_url))
        progress(f"database {database.redacted(database_url)}: migrating")
        env = server_env(database_url) | dict(setting.split("=", 1) for setting in options.server_settings)
        if options.server_settings:
            report.meta["settings"] = " ".join(options.server_settings)
        subprocess.run([str(options.server_python), *MIGRATE], env=env, cwd=work, check=True, timeout=300)
        connection = stack.enter_context(database.connect(database_url))
        database.hold_statistics(connection)
        report.meta["database"] = f"PostgreSQL {database.server_version(connection)}, throwaway database"

        # The servers run in an empty directory: a developer's .env must not change the figures.
        def serve(name: str, template: str) -> Server:
            return stack.enter_context(
                running(
                    name,
                    template,
                    python=options.server_python,
                    workers=options.workers,
                    env=env,
                    cwd=work,
                    log_path=LOGS / f"{name}-{options.workers}w.log",
                    live_path=LIVE_PATH,
                )
            )

        server = serve("server", options.server_command)
        reference = serve("reference", options.reference_command)
        report.meta["server"] = f"{shlex.join(server.command)}  (log: {server.log_path.relative_to(REPO)})"
        report.meta["reference"] = shlex.join(reference.command)
        seeds = seed(server.url, connection, options, work)
        database.analyze(connection)
        measure(
            Suite(options, server=server, reference=reference, connection=connection, seeds=seeds), report
        )
        progress("stopping the servers, dropping the database")
    report.meta["load average"] += f", {_load_average()} after"
    report.meta["finished"] = time.strftime("%H:%M:%S")
    return report
