"""Server processes for the events bench: `python -m impl.serve` on free ports, stopped by
PID (SIGTERM, SIGKILL if it lingers); a throwaway PostgreSQL database; seeded accounts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from impl.auth.tokens import TokenService
from impl.db.engine import build_engine, normalize_url
from impl.migrate import upgrade
from impl.settings import Settings
from tests.accounts import seed_account

ROOT = Path(__file__).resolve().parents[3]
SECRET = "events-bench-secret-" + "b" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill(self) -> None:
        with suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@contextmanager
def serving(database_url: str, **env: str) -> Iterator[Server]:
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="events-bench-")) / "server.log"
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "JWT_SECRET": SECRET,
        "LOG_LEVEL": "warning",
        "RATE_LIMIT_ENABLED": "false",
        "EVENTS_MAX_STREAMS_PER_USER": "100",
        "EVENTS_MAX_STREAMS": "10000",
        **env,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "impl.serve", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited:\n{log.read_text()}")
            with suppress(httpx.TransportError):
                if httpx.get(f"{server.url}/api/v1/health/ready", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    name = f"tasks_events_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seeded_tokens(database_url: str, count: int) -> list[str]:
    """Access tokens of `count` new users, written straight to the database."""
    tokens = TokenService(Settings(database_url=database_url, jwt_secret=SECRET, environment="test"))
    engine = build_engine(database_url)
    try:
        with Session(engine) as session:
            return [
                seed_account(session, tokens, f"bench-{uuid.uuid4().hex[:10]}@example.com").access_token
                for _ in range(count)
            ]
    finally:
        engine.dispose()
