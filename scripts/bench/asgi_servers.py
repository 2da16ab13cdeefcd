"""Throughput of the app under each candidate ASGI server, measured with wrk in one run.

    .venv-dev/bin/python scripts/bench/asgi_servers.py [postgresql://postgres@127.0.0.1:5432/test]

Each server runs the same app (1 worker) on a fresh PostgreSQL database; wrk drives
GET /api/v1/health/live and GET /api/v1/tasks?limit=20 (a DB-backed, authenticated read) for
DURATION seconds with 32 connections, twice, and the script prints req/s and p99. Candidates
that are not installed in the interpreter running this script are skipped (Granian is not a
dependency: `pip install granian` into a scratch venv and run the script with that venv).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
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


def servers(port: int) -> dict[str, list[str]]:
    python = sys.executable
    bin_dir = Path(python).parent
    uvicorn = [python, "-m", "uvicorn", "--factory", "impl.app:app_factory", "--port", str(port)]
    candidates = {
        "uvicorn (httptools)": [*uvicorn, "--http", "httptools", "--no-access-log"],
        "uvicorn (h11)": [*uvicorn, "--http", "h11", "--no-access-log"],
        "python -m impl.serve": [python, "-m", "impl.serve"],
    }
    if (bin_dir / "granian").exists():
        candidates["granian (asgi)"] = [
            str(bin_dir / "granian"),
            "--interface",
            "asgi",
            "--factory",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--no-log",
            "impl.app:app_factory",
        ]
    return candidates


def wrk(url: str, *headers: str) -> tuple[float, str]:
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency"]
    for header in headers:
        args += ["-H", header]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", output).group(1)  # type: ignore[union-attr]
    return rate, p99


def main() -> None:
    admin_url = sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/test"
    port = 18390
    for name, command in servers(port).items():
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
            "LOG_LEVEL": "warning",
            "PYTHONPATH": str(ROOT),
            "RATE_LIMIT_ENABLED": "false",
        }
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/api/v1/health/live", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            httpx.post(
                f"{base}/api/v1/auth/register", json={"email": "bench@example.com", "password": PASSWORD}
            )
            token = httpx.post(
                f"{base}/api/v1/auth/token", data={"username": "bench@example.com", "password": PASSWORD}
            ).json()["access_token"]
            auth = f"Authorization: Bearer {token}"
            for index in range(20):
                httpx.post(
                    f"{base}/api/v1/tasks",
                    json={"title": f"task {index}"},
                    headers={"Authorization": f"Bearer {token}"},
                )
            results = []
            for path, headers in (("/api/v1/health/live", ()), ("/api/v1/tasks?limit=20", (auth,))):
                runs = [wrk(base + path, *headers) for _ in range(2)]
                results.append(f"{path}: " + " / ".join(f"{rate:,.0f} req/s p99 {p99}" for rate, p99 in runs))
            print(f"{name}: " + "; ".join(results), flush=True)
        finally:
            process.terminate()
            process.wait(timeout=30)
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    main()
