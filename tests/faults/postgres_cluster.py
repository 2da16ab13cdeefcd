"""A throwaway PostgreSQL cluster for fault tests: initdb in a temporary directory, on a free
port of 127.0.0.1, started, stopped, frozen and killed by these tests alone (never the
shared server)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg

from tests.servers import free_port

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> bool:
    return (BIN / "initdb").exists() and (os.geteuid() != 0 or shutil.which("runuser") is not None)


class PostgresCluster:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        # initdb refuses to run as root: run the cluster as the postgres user then.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.as_owner, *args], capture_output=True, text=True, check=check, timeout=60
        )

    def init(self) -> None:
        if self.as_owner:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(str(BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            str(BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=False
        )

    def start_if_stopped(self) -> None:
        with suppress(OSError, ValueError):
            self.thaw()
        status = self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "status", check=False)
        if status.returncode != 0:
            self.start()

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def freeze(self) -> None:
        """SIGSTOP the postmaster: it still accepts TCP connections but answers nothing."""
        os.kill(self.postmaster_pid(), signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.postmaster_pid(), signal.SIGCONT)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"faults_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def wait_until_accepting(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise TimeoutError("the throwaway PostgreSQL did not come back")


@contextmanager
def throwaway_cluster() -> Iterator[PostgresCluster]:
    directory = Path(tempfile.mkdtemp(prefix="tasks-api-pg-"))
    cluster = PostgresCluster(directory)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        with suppress(OSError, ValueError):
            cluster.thaw()
        cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
