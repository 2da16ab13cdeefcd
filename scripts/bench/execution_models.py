"""Which execution model serves a task page fastest, end to end over HTTP?

The same request (verify the bearer JWT, then one query that reads 100 tasks with their tags
and checks the token's user, then JSON) is served by three small FastAPI apps that differ only
in how they reach PostgreSQL:

- `sa-async`   SQLAlchemy Core on an AsyncEngine (psycopg 3 async), `async def` endpoint;
- `pg-async`   psycopg 3's AsyncConnectionPool directly, `async def` endpoint;
- `sync-hop`   SQLAlchemy Core on a sync Engine, a `def` endpoint: one thread-pool hop that
               does everything (FastAPI runs it in its thread pool).

Each app runs in its own uvicorn process (1 worker) next to the bare reference app, and wrk
drives each in turn. Run: scripts/bench-execution-models [--duration 10] [--connections 32].
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import psycopg
from fastapi import FastAPI, Header, Response
from joserfc import jwt
from joserfc.jwk import OctKey
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret-" + "x" * 40
ISSUER = AUDIENCE = "tasks-api"

PAGE_SQL = """
SELECT t.id, t.title, t.description, t.completed, t.completed_at, t.priority, t.due_at,
       t.remind_at, t.recurrence, t.next_occurrence_id, t.version, t.created_at, t.updated_at,
       ARRAY(SELECT g.name FROM task_tags g WHERE g.task_id = t.id ORDER BY g.name_key) AS tags
FROM tasks t
WHERE t.owner_id = %(owner)s AND t.deleted_at IS NULL
  AND EXISTS (SELECT 1 FROM users u WHERE u.id = %(owner)s AND u.token_version = %(version)s)
ORDER BY t.created_at DESC, t.id DESC
LIMIT 101
"""
PRIORITIES = ("none", "low", "medium", "high")


def page_json(rows: list[Any]) -> bytes:
    items = [
        {
            "id": row[0],
            "title": row[1],
            "description": row[2],
            "completed": row[3],
            "completed_at": row[4],
            "priority": PRIORITIES[row[5]],
            "tags": row[13],
            "due_at": row[6],
            "remind_at": row[7],
            "recurrence": row[8],
            "next_occurrence_id": row[9],
            "etag": f'"{row[10]}"',
            "created_at": row[11],
            "updated_at": row[12],
        }
        for row in rows[:100]
    ]
    return orjson.dumps({"items": items, "next_cursor": None}, option=orjson.OPT_UTC_Z)


def claims_of(authorization: str | None) -> tuple[uuid.UUID, int]:

    key = OctKey.import_key(SECRET.encode())
    token = (authorization or "").removeprefix("Bearer ")
    decoded = jwt.decode(token, key, algorithms=["HS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER}, aud={"essential": True, "value": AUDIENCE}
    ).validate(decoded.claims)
    return uuid.UUID(decoded.claims["sub"]), int(decoded.claims["ver"])


def build_app(mode: str, url: str) -> Any:
    """The app of one execution model (imported by uvicorn in the server process)."""

    app = FastAPI()
    if mode == "floor":
        # The reference floor: one async route returning pre-encoded JSON.
        body = b'{"status":"ok"}'

        @app.get("/tasks")
        async def floor() -> Response:
            return Response(body, media_type="application/json")

        return app
    sa_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    statement = text(re.sub(r"%\((\w+)\)s", r":\1", PAGE_SQL))

    if mode == "sa-async":
        engine = create_async_engine(sa_url, pool_size=10, max_overflow=0)

        @app.get("/tasks")
        async def list_async(authorization: str | None = Header(default=None)) -> Response:
            owner, version = claims_of(authorization)
            async with engine.connect() as connection:
                rows = (await connection.execute(statement, {"owner": owner, "version": version})).all()
            return Response(page_json(list(rows)), media_type="application/json")

    elif mode == "pg-async":
        pool = AsyncConnectionPool(url, min_size=10, max_size=10, open=False)

        @app.on_event("startup")
        async def open_pool() -> None:
            await pool.open()

        @app.get("/tasks")
        async def list_pg(authorization: str | None = Header(default=None)) -> Response:
            owner, version = claims_of(authorization)
            async with pool.connection() as connection:
                cursor = await connection.execute(PAGE_SQL, {"owner": owner, "version": version})
                rows = await cursor.fetchall()
            return Response(page_json(rows), media_type="application/json")

    elif mode == "sync-hop":
        engine_sync = create_engine(sa_url, pool_size=10, max_overflow=0)

        @app.get("/tasks")
        def list_sync(authorization: str | None = Header(default=None)) -> Response:
            owner, version = claims_of(authorization)
            with engine_sync.connect() as connection:
                rows = connection.execute(statement, {"owner": owner, "version": version}).all()
            return Response(page_json(list(rows)), media_type="application/json")

    else:
        raise SystemExit(f"unknown mode {mode}")
    return app


def app_factory() -> Any:
    return build_app(os.environ["BENCH_MODE"], os.environ["BENCH_DATABASE_URL"])


@contextmanager
def database(server_url: str) -> Iterator[str]:

    name = f"tasks_api_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = server_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str) -> str:
    """Migrate, insert one user with 100 tagged tasks; return a bearer token for them."""

    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "impl.migrate", "upgrade"], check=True, env=env, cwd=ROOT)
    owner = uuid.uuid4()
    now = datetime.now(UTC)
    with psycopg.connect(url) as connection:
        connection.execute(
            "INSERT INTO users (id, email, email_key, password_hash, token_version, created_at, updated_at)"
            " VALUES (%s, 'bench@example.com', 'bench@example.com', 'x', 0, %s, %s)",
            (owner, now, now),
        )
        for index in range(100):
            task_id = uuid.uuid4()
            title = f"Task {index} buy milk"
            connection.execute(
                "INSERT INTO tasks (id, owner_id, title, description, completed, priority, due_at,"
                " title_key, search_key, version, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, false, %s, %s, %s, %s, 1, %s, %s)",
                (
                    task_id,
                    owner,
                    title,
                    "A description" if index % 2 else None,
                    index % 4,
                    now + timedelta(days=index) if index % 3 else None,
                    title.casefold(),
                    title.casefold(),
                    now - timedelta(seconds=index),
                    now,
                ),
            )
            for tag in ("home", "work")[: index % 3]:
                connection.execute(
                    "INSERT INTO task_tags (task_id, name_key, owner_id, name) VALUES (%s, %s, %s, %s)",
                    (task_id, tag, owner, tag),
                )
        connection.execute("ANALYZE")
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(owner),
        "ver": 0,
        "iat": int(time.time()),
        "exp": int(time.time()) + 3600,
    }
    return str(jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(SECRET.encode())))


def free_port() -> int:

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(target: str, env: dict[str, str]) -> Iterator[int]:

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", target, "--factory", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, **env, "PYTHONPATH": f"{ROOT}:{ROOT / 'scripts' / 'bench'}"},
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def wrk(url: str, token: str | None, duration: int, connections: int) -> tuple[float, float, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        print(output, file=sys.stderr)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def percentile(name: str) -> float:
        value, unit = re.search(rf"\s{name}%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rate, percentile("50"), percentile("99")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--modes", default="sa-async,pg-async,sync-hop")
    arguments = parser.parse_args()
    with database(arguments.database_url) as url:
        token = seed(url)
        results: dict[str, tuple[float, float, float]] = {}
        for mode in ["floor", *arguments.modes.split(",")]:
            env = {"BENCH_MODE": mode, "BENCH_DATABASE_URL": url}
            with server("execution_models:app_factory", env) as port:
                wrk(f"http://127.0.0.1:{port}/tasks", token, 2, arguments.connections)  # warm up
                results[mode] = wrk(
                    f"http://127.0.0.1:{port}/tasks", token, arguments.duration, arguments.connections
                )
    floor = results["floor"][0]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    print(f"{'model':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'% floor':>8}")
    for name, (rate, p50, p99) in results.items():
        print(f"{name:<10} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f} {100 * rate / floor:>7.1f}%")


if __name__ == "__main__":
    main()
