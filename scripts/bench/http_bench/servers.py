"""The processes under test: the real server and the reference app, each on a free port.

Each is started in a session of its own (a Ctrl-C at the terminal reaches the benchmark,
which then stops them itself), by PID: SIGTERM, and SIGKILL to its process group (uvicorn's
worker processes) only if it does not exit in time.
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
# How the service is served. The serving entry point may change (another ASGI server):
# change it here, or pass --server-cmd. {python} is the service environment's interpreter.
SERVER_COMMAND = "{python} -m impl.serve"
# The reference floor, served by uvicorn like the server (impl/serve.py: uvicorn, no server
# header, LOG_LEVEL=warning so no access log).
REFERENCE_COMMAND = (
    "{python} -m uvicorn --app-dir {bench_dir} reference_app:app "
    "--host {host} --port {port} --workers {workers} --log-level warning --no-server-header"
)
BENCH_DIR = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60
STOP_SECONDS = 15
# Log records at ERROR or above (impl/app.py's format and uvicorn's), and the exception lines
# that end tracebacks ("sqlalchemy.exc.TimeoutError: QueuePool limit...").
ERROR_RECORD = re.compile(r"\b(ERROR|CRITICAL)\b")
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout))\b")


@dataclass(frozen=True)
class LogErrors:
    records: int
    exceptions: dict[str, int]

    def summary(self) -> str:
        ranked = sorted(self.exceptions.items(), key=lambda item: -item[1])
        return ", ".join(f"{count} x {name}" for name, count in ranked[:3])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    command: list[str]
    _log_offset: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def new_log_errors(self) -> LogErrors:
        """What the server logged at ERROR since the last call, and the exceptions' types."""
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            text = log.read().decode("utf-8", "replace")
            self._log_offset = log.tell()
        exceptions: dict[str, int] = {}
        records = 0
        for line in text.splitlines():
            records += bool(ERROR_RECORD.search(line))
            found = EXCEPTION_LINE.match(line)
            if found:
                exceptions[found[1]] = exceptions.get(found[1], 0) + 1
        return LogErrors(records, exceptions)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def live(url_port: int, path: str, timeout: float = 2.0) -> bool:
    connection = http.client.HTTPConnection(HOST, url_port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def wait_live(
    server: Server, path: str, timeout: float = STARTUP_SECONDS, *, within: float = 2.0
) -> float | None:
    """Seconds until the server answered `path` with 200 in less than `within` seconds; None
    if it did not before `timeout`."""
    started = time.monotonic()
    while time.monotonic() < started + timeout:
        if not server.alive():
            raise RuntimeError(f"{server.name} exited ({server.process.returncode}):\n{server.log_tail()}")
        asked = time.perf_counter()
        if live(server.port, path, timeout=5.0) and time.perf_counter() - asked < within:
            return time.monotonic() - started
        time.sleep(0.2)
    return None


@contextmanager
def running(
    name: str,
    template: str,
    *,
    python: Path,
    workers: int,
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    live_path: str,
) -> Iterator[Server]:
    port = free_port()
    values = {"python": str(python), "host": HOST, "port": str(port), "workers": str(workers)}
    values["bench_dir"] = str(BENCH_DIR)
    command = shlex.split(template.format(**{key: shlex.quote(value) for key, value in values.items()}))
    environment = {**env, "HOST": HOST, "PORT": str(port), "WORKERS": str(workers)}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=environment,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, port, process, log_path, command)
    try:
        if wait_live(server, live_path) is None:
            raise RuntimeError(
                f"{name} did not answer {live_path} in {STARTUP_SECONDS} s:\n{server.log_tail()}"
            )
        yield server
    finally:
        stop(server.process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_SECONDS)
    # Workers left behind by a supervisor that died first: same process group, its PID.
    _signal_group(process.pid, signal.SIGKILL)


def _signal_group(pgid: int, signum: signal.Signals) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)
