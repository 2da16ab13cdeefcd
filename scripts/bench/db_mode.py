"""Sync or async database access? Measure both on PostgreSQL for the hot paths.

    .venv-dev/bin/python scripts/bench/db_mode.py [postgresql://postgres@127.0.0.1:5432/test]

For each of: list a page of 100 tasks, create a task, and a login (user lookup + argon2id
verify + refresh-token insert), run the same SQLAlchemy statements through a sync Session
(psycopg 3, thread pool of WORKERS threads, like FastAPI's `def` endpoints) and through an
AsyncSession (psycopg 3 async, WORKERS asyncio tasks, like `async def` endpoints), and print
throughput and median latency. It creates and drops its own database.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from impl.auth.passwords import hash_password, verify_password
from impl.db.engine import build_engine, normalize_url
from impl.db.tables import RefreshTokenRow, TaskRow, UserRow
from impl.db.timestamps import utc_now
from impl.migrate import upgrade
from tests.databases import temporary_database

WORKERS = 8
OPERATIONS = {"list 100": 400, "create": 400, "login": 80}
PASSWORD = "benchmark password"  # noqa: S105


def list_query(owner_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return (
        select(TaskRow)
        .where(TaskRow.owner_id == owner_id)
        .order_by(TaskRow.created_at.desc(), TaskRow.id.desc())  # type: ignore[attr-defined]
        .limit(100)
    )


def new_task(owner_id: uuid.UUID) -> TaskRow:
    now = utc_now()
    return TaskRow(owner_id=owner_id, title="benchmark", created_at=now, updated_at=now)


def refresh_row(user_id: uuid.UUID) -> RefreshTokenRow:
    now = utc_now()
    return RefreshTokenRow(
        user_id=user_id,
        family_id=uuid.uuid4(),
        token_hash=uuid.uuid4().hex * 2,
        created_at=now,
        expires_at=now + timedelta(days=1),
    )


def report(name: str, mode: str, latencies: list[float], elapsed: float) -> None:
    print(
        f"{name:<9} {mode:<5} {len(latencies) / elapsed:8.0f} ops/s   "
        f"p50 {statistics.median(latencies) * 1000:6.2f} ms   "
        f"p95 {statistics.quantiles(latencies, n=20)[18] * 1000:6.2f} ms"
    )


def run_sync(url: str, owner_id: uuid.UUID, email: str) -> None:
    engine = build_engine(url, pool_size=WORKERS)

    def list_page() -> None:
        with Session(engine) as session:
            assert len(session.exec(list_query(owner_id)).all()) == 100  # type: ignore[call-overload]

    def create() -> None:
        with Session(engine) as session:
            session.add(new_task(owner_id))
            session.commit()

    def login() -> None:
        with Session(engine) as session:
            user = session.exec(select(UserRow).where(UserRow.email_key == email)).scalar_one()  # type: ignore[call-overload]
            assert verify_password(PASSWORD, user.password_hash)
            session.add(refresh_row(user.id))
            session.commit()

    for name, operation in (("list 100", list_page), ("create", create), ("login", login)):
        count = OPERATIONS[name]
        latencies: list[float] = []

        def timed(op: Callable[[], None] = operation, sink: list[float] = latencies) -> None:
            start = time.perf_counter()
            op()
            sink.append(time.perf_counter() - start)

        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda _: timed(), range(WORKERS)))  # warm up the pool
            latencies.clear()
            start = time.perf_counter()
            list(pool.map(lambda _: timed(), range(count)))
            report(name, "sync", latencies, time.perf_counter() - start)
    engine.dispose()


async def run_async(url: str, owner_id: uuid.UUID, email: str) -> None:
    engine = create_async_engine(normalize_url(url), pool_size=WORKERS, pool_pre_ping=True)

    async def list_page() -> None:
        async with AsyncSession(engine) as session:
            assert len((await session.execute(list_query(owner_id))).scalars().all()) == 100

    async def create() -> None:
        async with AsyncSession(engine) as session:
            session.add(new_task(owner_id))
            await session.commit()

    async def login() -> None:
        async with AsyncSession(engine) as session:
            user = (await session.execute(select(UserRow).where(UserRow.email_key == email))).scalar_one()
            assert await anyio.to_thread.run_sync(verify_password, PASSWORD, user.password_hash)
            session.add(refresh_row(user.id))
            await session.commit()

    operations: tuple[tuple[str, Callable[[], Awaitable[None]]], ...] = (
        ("list 100", list_page),
        ("create", create),
        ("login", login),
    )
    for name, operation in operations:
        latencies: list[float] = []
        semaphore = asyncio.Semaphore(WORKERS)

        async def timed(
            op: Callable[[], Awaitable[None]] = operation,
            sink: list[float] = latencies,
            gate: asyncio.Semaphore = semaphore,
        ) -> None:
            async with gate:
                start = time.perf_counter()
                await op()
                sink.append(time.perf_counter() - start)

        await asyncio.gather(*(timed() for _ in range(WORKERS)))
        latencies.clear()
        start = time.perf_counter()
        await asyncio.gather(*(timed() for _ in range(OPERATIONS[name])))
        report(name, "async", latencies, time.perf_counter() - start)
    await engine.dispose()


def main() -> None:
    admin_url = sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5432/test"
    with temporary_database("postgresql", Path("/tmp"), admin_url) as url:  # noqa: S108
        upgrade(url)
        engine = build_engine(url)
        email = "bench@example.com"
        with Session(engine) as session:
            user = UserRow(email=email, email_key=email, password_hash=hash_password(PASSWORD))
            session.add(user)
            session.flush()
            owner_id = user.id
            session.add_all(new_task(owner_id) for _ in range(1000))
            session.commit()
        engine.dispose()
        print(f"PostgreSQL, {WORKERS} concurrent workers, 1000 tasks for the user")
        run_sync(url, owner_id, email)
        asyncio.run(run_async(url, owner_id, email))


if __name__ == "__main__":
    main()
