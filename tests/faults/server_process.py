"""The real service as a child process (`python -m impl.serve`), with its log, its PID and
its signals at hand."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from impl.migrate import upgrade
from tests.conftest import TEST_SECRET
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def json_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.log().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def access_lines(self) -> list[dict[str, Any]]:
        return [line for line in self.json_lines() if line.get("logger") == "tasks_api.access"]

    def send(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    def wait_exit(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)


def server_environment(database_url: str, port: int, **env: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "JWT_SECRET": TEST_SECRET,
        "LOG_LEVEL": "info",
        "LOG_FORMAT": "json",
        "RATE_LIMIT_ENABLED": "false",
        **env,
    }


@contextmanager
def running(
    database_url: str, env: Mapping[str, str] | None = None, *, preexec_fn: Callable[[], None] | None = None
) -> Iterator[Server]:
    """Migrate, start the server, wait until /health/live answers, kill it by PID afterwards."""
    upgrade(database_url)
    env = dict(env or {})
    port = int(env.pop("PORT", "") or free_port())
    directory = Path(tempfile.mkdtemp(prefix="tasks-api-fault-"))
    log_path = directory / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "impl.serve"],
            cwd=ROOT,
            env=server_environment(database_url, port, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn,  # noqa: PLW1509  (only resource limits, set before exec)
            # A group of its own: with WORKERS > 1 the workers go too, even after a SIGKILL
            # of the supervisor by a test.
            start_new_session=True,
        )
    server = Server(process, port, log_path)
    try:
        wait_until_live(server)
        yield server
    finally:
        stop_group(process)
        if os.environ.get("KEEP_SERVER_LOGS"):
            print(f"server log kept at {log_path}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, SIGKILL what is left after a grace period."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_until_live(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/api/v1/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server did not come up:\n{server.log()}")


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.02) -> float:
    """Poll until `condition()` holds; return the seconds it took (TimeoutError past `timeout`)."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"not within {timeout} s")
        time.sleep(interval)
