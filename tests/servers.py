"""Run the real service (`tasks-api serve`, as `python -m impl.cli serve`) on 127.0.0.1 for
end-to-end tests, on a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from impl.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def tasks_api_serve(port: int) -> list[str]:
    return [sys.executable, "-m", "impl.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]


@contextmanager
def running_server(
    database_url: str,
    *,
    env: Mapping[str, str] | None = None,
    command: Callable[[int], list[str]] = tasks_api_serve,
) -> Iterator[str]:
    """Migrate the database, start the server (`command` for a free port) on 127.0.0.1, yield
    its base URL, stop it by PID. `env` overrides the server's environment."""
    upgrade(database_url)
    port = free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        # The command line wins over PORT: this one must be ignored.
        "PORT": "1",
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "test",
        "JWT_SECRET": "server-test-secret-" + "z" * 40,
        "LOG_LEVEL": "warning",
        # Tests that drive one user hard would hit the per-user request quota (600 a minute);
        # tests/security/test_rate_limits_across_servers.py sets its own.
        "RATE_LIMIT_PER_USER": "1000000/minute",
        **(env or {}),
    }
    # The server's output goes to a file: an unread pipe would fill up and block its logging.
    log_path = Path(tempfile.mkdtemp(prefix="tasks-api-server-")) / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command(port),
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base_url}/api/v1/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if os.environ.get("KEEP_SERVER_LOGS"):
            print(f"server log kept at {log_path}")
        else:
            shutil.rmtree(log_path.parent, ignore_errors=True)
