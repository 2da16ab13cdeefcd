"""nginx (from the distribution) in front of the instances, with deploy/nginx.conf as it is
in the repository: only its addresses are swapped for the test's ports."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.faults.server_process import ROOT
from tests.servers import free_port

CONFIG = ROOT / "deploy" / "nginx.conf"


def available() -> bool:
    return shutil.which("nginx") is not None


def render(upstreams: list[int], port: int) -> str:
    config = CONFIG.read_text()
    assert config.count("server 127.0.0.1:800") == 2
    assert "listen 127.0.0.1:8080;" in config
    config = config.replace("server 127.0.0.1:8001", f"server 127.0.0.1:{upstreams[0]}")
    config = config.replace("server 127.0.0.1:8002", f"server 127.0.0.1:{upstreams[1]}")
    return config.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")


@contextmanager
def nginx_in_front_of(upstreams: list[int]) -> Iterator[str]:
    directory = Path(tempfile.mkdtemp(prefix="tasks-api-nginx-"))
    port = free_port()
    (directory / "nginx.conf").write_text(render(upstreams, port))
    directives = f"daemon off; pid {directory}/nginx.pid; error_log {directory}/error.log;"
    if os.geteuid() == 0:
        directives += " user root;"
    process = subprocess.Popen(
        ["nginx", "-p", str(directory), "-c", str(directory / "nginx.conf"), "-g", directives],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"nginx did not start: {process.stderr.read() if process.stderr else ''!r}"
                    ) from error
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
        shutil.rmtree(directory, ignore_errors=True)
