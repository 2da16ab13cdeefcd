"""The workloads, measured against the running servers with wrk."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import database, wrk
from .accounts import Account
from .options import Options
from .probe import Prober
from .report import Figures, Interference, Overload
from .servers import HOST, Server, wait_live
from .workloads import LIST_100, LIST_100_BIG, LIST_100_BIG_STALE, LIVE_PATH, LOGIN, OVERLOAD, Workload

OPEN_PREFIX = "Open task"
# How long the server may take to answer its liveness check promptly again once a load
# stops: it goes on working off requests whose clients are gone.
RECOVERY_SECONDS = 180
PROMPT_SECONDS = 0.2
OVERLOAD_TIMEOUT_SECONDS = 10


def progress(message: str) -> None:
    print(f"[bench-http {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class NotRecovered(Exception):
    """The server did not come back after a load: what follows cannot be measured."""

    def __init__(self, what: str, overload: Overload | None = None) -> None:
        super().__init__(f"the server was not live again {RECOVERY_SECONDS} s after {what}")
        self.overload = overload


@dataclass(frozen=True)
class Seeds:
    lister: Account
    writer: Account
    login: Account
    rw_ids: Path
    open_ids: Path


class Suite:
    def __init__(
        self,
        options: Options,
        *,
        server: Server,
        reference: Server,
        connection: database.Connection,
        seeds: Seeds,
    ) -> None:
        self.options = options
        self.server = server
        self.reference = reference
        self.connection = connection
        self.seeds = seeds
        self.last_drain = 0.0

    def load(self, *, seconds: int | None = None) -> wrk.Load:
        options = self.options
        return wrk.Load(options.threads, options.connections, seconds or options.duration)

    def target(self, workload: Workload) -> Server:
        return self.reference if workload.target == "reference" else self.server

    def wrk_env(self, workload: Workload) -> dict[str, str]:
        env: dict[str, str] = {"BENCH_METHOD": workload.method}
        accounts = {"lister": self.seeds.lister, "writer": self.seeds.writer}
        if workload.account in accounts:
            env["BENCH_TOKEN"] = accounts[workload.account].token
        if workload.ids == "rw":
            env["BENCH_IDS"] = str(self.seeds.rw_ids)
        elif workload.ids == "open":
            # Read afresh before every wrk run (warm-up included): only still-open tasks.
            count = database.write_open_ids(
                self.connection,
                owner_id=self.seeds.writer.user_id,
                prefix=OPEN_PREFIX,
                path=self.seeds.open_ids,
            )
            if count < self.options.connections:
                raise RuntimeError(f"only {count} open tasks left for complete: raise --open-tasks")
            env["BENCH_IDS"] = str(self.seeds.open_ids)
        if workload.content_type:
            env["BENCH_CONTENT_TYPE"] = workload.content_type
        if workload.login_body:
            env["BENCH_BODY"] = self.seeds.login.login_form()
        return env

    def start(self, workload: Workload, load: wrk.Load) -> wrk.WrkRun:
        url = self.target(workload).url + workload.path
        return wrk.WrkRun(url, workload.script, load, self.wrk_env(workload))

    def once(self, workload: Workload, load: wrk.Load) -> wrk.WrkResult:
        run = self.start(workload, load)
        try:
            return run.result()
        finally:
            run.stop()
            self.last_drain = self.settle(self.target(workload), workload.name)

    def settle(self, server: Server, what: str) -> float:
        """Wait until the server answers its liveness check promptly: each run starts on an
        idle server. Returns how long it stayed busy after the load stopped."""
        drained = wait_live(server, LIVE_PATH, timeout=RECOVERY_SECONDS, within=PROMPT_SECONDS)
        if drained is None:
            raise NotRecovered(what)
        return drained

    def warm_up(self, workload: Workload) -> None:
        if self.options.warmup > 0:
            self.once(workload, self.load(seconds=self.options.warmup))

    def measure(self, workload: Workload) -> Figures:
        target = self.target(workload)
        figures = Figures(workload.name, wraps_are_errors=workload.ids == "open")
        target.new_log_errors()
        for run in range(self.options.runs):
            progress(f"{workload.name}: run {run + 1}/{self.options.runs}, {self.options.duration} s")
            self.warm_up(workload)
            figures.runs.append(self.once(workload, self.load()))
            figures.drain_seconds = max(figures.drain_seconds, self.last_drain)
        figures.log = target.new_log_errors()
        self.check_alive(target)
        return figures

    def login_interference(self) -> Interference:
        """list-100's p99 alone, then while N clients log in without pause (argon2id)."""
        seconds = self.options.duration
        progress(f"login-interference: list-100 idle, then with {self.options.login_clients} login clients")
        self.warm_up(LIST_100)
        idle = self.once(LIST_100, self.load())
        logins = self.start(LOGIN, wrk.Load(1, self.options.login_clients, seconds + 3))
        try:
            time.sleep(1.5)  # the logins are under way before list-100 starts
            loaded = self.once(LIST_100, self.load())
            login_result = logins.result()
        finally:
            logins.stop()
        self.settle(self.server, "login-interference")
        return Interference(self.options.login_clients, idle, loaded, login_result)

    def overload(self) -> Overload:
        options = self.options
        progress(
            f"overload: list-100, {options.overload_connections} connections, {options.overload_duration} s"
        )
        with Prober(HOST, self.server.port, LIVE_PATH) as idle_prober:
            time.sleep(3)
        self.server.new_log_errors()
        load = wrk.Load(
            options.threads, options.overload_connections, options.overload_duration, OVERLOAD_TIMEOUT_SECONDS
        )
        run = self.start(OVERLOAD, load)
        try:
            with Prober(HOST, self.server.port, LIVE_PATH) as prober:
                result = run.result()
        finally:
            run.stop()
        self.check_alive(self.server)
        progress("overload: waiting for the server to answer its liveness check again")
        recovery = wait_live(self.server, LIVE_PATH, timeout=RECOVERY_SECONDS, within=PROMPT_SECONDS)
        overload = Overload(
            connections=options.overload_connections,
            result=result,
            probe_idle=idle_prober.summary(),
            probe=prober.summary(),
            log=self.server.new_log_errors(),
            recovery_seconds=recovery,
            recovery_limit=RECOVERY_SECONDS,
        )
        if recovery is None:
            raise NotRecovered("the overload", overload)
        return overload

    def list_big(self) -> tuple[list[Figures], float]:
        options = self.options
        progress(f"list-100-big: inserting {options.big_tasks:,} tasks of {options.big_users:,} other users")
        started = time.monotonic()
        database.insert_other_users_tasks(self.connection, users=options.big_users, tasks=options.big_tasks)
        seeded = time.monotonic() - started
        stale = self.measure(LIST_100_BIG_STALE)
        progress("list-100-big: ANALYZE")
        database.analyze(self.connection)
        return [stale, self.measure(LIST_100_BIG)], seeded

    def check_alive(self, server: Server) -> None:
        if not server.alive():
            raise RuntimeError(f"{server.name} died during the benchmark:\n{server.log_tail()}")
