"""Throughput of the app under each candidate ASGI server, measured with wrk in one run.

    .venv-dev/bin/python scripts/bench/asgi_servers.py [postgresql://postgres@127.0.0.1:5432/test]

Each server runs the same app (1 worker) on a fresh PostgreSQL database; wrk drives
GET /api/v1/health/live and GET /api/v1/tasks?limit=20 (a DB-backed, authenticated read) for
DURATION seconds (BENCH_SECONDS, default 10) with 32 connections, twice, and the script prints
req/s and p99, with the reference floor (a bare FastAPI app) and variants that price the
access-log middleware, the metrics and the hardened protocol. Extra arguments select variants
by a word of their name. Granian is not a dependency: `pip install granian` into a scratch
venv built from requirements.txt and run the script with that venv to include it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from impl.migrate import upgrade  # noqa: E402

DURATION = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = 32
PASSWORD = "correct horse battery staple"  # noqa: S105  (a benchmark account)


def servers(port: int) -> dict[str, tuple[list[str], dict[str, str]]]:
    """name: (command, extra environment)."""
    python = sys.executable
    bin_dir = Path(python).parent
    uvicorn = [python, "-m", "uvicorn", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    app = ["--factory", "impl.app:app_factory"]
    bench_apps = ["--app-dir", str(ROOT / "scripts" / "bench")]
    candidates: dict[str, tuple[list[str], dict[str, str]]] = {
        "reference floor (bare FastAPI, uvicorn httptools)": (
            [*uvicorn, *bench_apps, "bench_apps:floor"],
            {},
        ),
        "python -m impl.serve (hardened protocol), access log on": ([python, "-m", "impl.serve"], {}),
        "python -m impl.serve, access log off (LOG_LEVEL=warning)": (
            [python, "-m", "impl.serve"],
            {"LOG_LEVEL": "warning"},
        ),
        "python -m impl.serve, access log on, METRICS_PORT set": (
            [python, "-m", "impl.serve"],
            {"METRICS_PORT": str(port + 1)},
        ),
        "uvicorn httptools (stock protocol), access log on": ([*uvicorn, "--http", "httptools", *app], {}),
        "uvicorn httptools, without the access-log middleware": (
            [*uvicorn, "--http", "httptools", *bench_apps, "--factory", "bench_apps:without_access_log"],
            {},
        ),
        "uvicorn h11, access log on": ([*uvicorn, "--http", "h11", *app], {}),
    }
    if (bin_dir / "granian").exists():
        granian = [str(bin_dir / "granian"), "--interface", "asgi", "--port", str(port), "--loop", "uvloop"]
        candidates["granian 2.8 (asgi), access log on"] = (
            [*granian, "--factory", "impl.app:app_factory"],
            {},
        )
    return candidates


def wrk(url: str, *headers: str) -> tuple[float, str]:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency"]
    for header in headers:
        args += ["-H", header]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", output).group(1)  # type: ignore[union-attr]
    return rate, p99


def seed(base: str) -> str:
    httpx.post(f"{base}/api/v1/auth/register", json={"email": "bench@example.com", "password": PASSWORD})
    issued = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "bench@example.com", "password": PASSWORD}
    )
    token: str = issued.json()["access_token"]
    for index in range(20):
        httpx.post(
            f"{base}/api/v1/tasks",
            json={"title": f"task {index}"},
            headers={"Authorization": f"Bearer {token}"},
        )
    return token


def measure(name: str, command: list[str], extra: dict[str, str], admin_url: str, port: int) -> None:
    database = f"tasks_api_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    upgrade(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "PORT": str(port),
        "JWT_SECRET": "bench-secret-" + "b" * 40,
        "LOG_LEVEL": "info",
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
        "RATE_LIMIT_ENABLED": "false",
        **extra,
    }
    # The log goes to a pipe that is read, as under a process manager or a container runtime.
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    drain = threading.Thread(target=lambda: process.stderr and process.stderr.read(), daemon=True)
    drain.start()
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/api/v1/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        workloads: list[tuple[str, tuple[str, ...]]] = [("/api/v1/health/live", ())]
        if "floor" not in name:
            workloads.append(("/api/v1/tasks?limit=20", (f"Authorization: Bearer {seed(base)}",)))
        results = []
        for path, headers in workloads:
            runs = [wrk(base + path, *headers) for _ in range(2)]
            results.append(f"{path}: " + " / ".join(f"{rate:,.0f} req/s p99 {p99}" for rate, p99 in runs))
        print(f"{name}: " + "; ".join(results), flush=True)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            print(f"{name}: did not stop within 15 s of SIGTERM; killed", flush=True)
            process.kill()
            process.wait()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    admin_url = sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/test"
    only = set(sys.argv[2:])
    port = 18390
    for name, (command, extra) in servers(port).items():
        if not only or any(word in name for word in only):
            measure(name, command, extra, admin_url, port)


if __name__ == "__main__":
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    main()
