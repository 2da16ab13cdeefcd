"""Engines and the per-request session: one session per request, committed or rolled back."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import anyio
import anyio.to_thread
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session, create_engine

POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg"}
SQLITE_BEGIN = "tasks_api_sqlite_begin"
# SQLite has one writer at a time: under a burst, writers queue for the lock this long
# rather than fail.
SQLITE_BUSY_TIMEOUT_MS = 30_000


class SessionFactory(Protocol):
    def __call__(self, *, write: bool) -> Session: ...


def normalize_url(raw_url: str) -> URL:
    """Map the plain postgres(ql):// URLs that Neon and other hosts hand out to psycopg 3.

    Query options (sslmode, channel_binding, options...) pass through to libpq unchanged.
    """
    url = make_url(raw_url)
    if url.drivername in POSTGRES_SCHEMES:
        return url.set(drivername="postgresql+psycopg")
    if url.drivername in {"sqlite", "sqlite+pysqlite"}:
        return url
    raise ValueError(f"unsupported DATABASE_URL scheme {url.drivername!r}: use postgresql:// or sqlite:///")


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
        # savepoints and transactional DDL behave as on PostgreSQL (SQLAlchemy's pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return set_pragmas


def _sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is
    # locked" when another writer committed in between (WAL cannot upgrade its snapshot), so
    # transactions that will write take the write lock up front and queue on busy_timeout.
    mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


class DatabaseTimeouts(Protocol):
    """DATABASE_CONNECT_TIMEOUT_SECONDS, _STATEMENT_TIMEOUT_MS, _LOCK_TIMEOUT_MS (Settings)."""

    @property
    def database_connect_timeout_seconds(self) -> float: ...
    @property
    def database_statement_timeout_ms(self) -> int: ...
    @property
    def database_lock_timeout_ms(self) -> int: ...


def postgres_connect_args(timeouts: DatabaseTimeouts, host: str | None) -> dict[str, Any]:
    """libpq arguments that bound every wait on PostgreSQL, per connection.

    statement_timeout and lock_timeout go in the startup packet (`options`: no extra round
    trip). PgBouncer in transaction mode (Neon's `-pooler` hosts) refuses unknown startup
    parameters, so there they are SET when a connection opens (see `session_settings`).
    libpq's connect_timeout is whole seconds, at least 2.
    """
    args: dict[str, Any] = {"connect_timeout": max(2, math.ceil(timeouts.database_connect_timeout_seconds))}
    if not is_pooled(host):
        args["options"] = (
            f"-c statement_timeout={timeouts.database_statement_timeout_ms} "
            f"-c lock_timeout={timeouts.database_lock_timeout_ms}"
        )
    return args


def session_settings(timeouts: DatabaseTimeouts) -> str:
    return (
        f"SET statement_timeout = {int(timeouts.database_statement_timeout_ms)}; "
        f"SET lock_timeout = {int(timeouts.database_lock_timeout_ms)}"
    )


def is_pooled(host: str | None) -> bool:
    return bool(host and "-pooler." in host)


def build_engine(
    raw_url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 30.0,
    timeouts: DatabaseTimeouts | None = None,
) -> Engine:
    url = normalize_url(raw_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # A writer waits for SQLite's lock up to DATABASE_LOCK_TIMEOUT_MS when it is given.
        busy_ms = timeouts.database_lock_timeout_ms if timeouts else SQLITE_BUSY_TIMEOUT_MS
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas(busy_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = postgres_connect_args(timeouts, url.host) if timeouts else {}
    if is_pooled(url.host):
        # Neon's pooled endpoints run PgBouncer in transaction mode: server-side prepared
        # statements would land on other backends.
        connect_args["prepare_threshold"] = None
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        # Serverless PostgreSQL (Neon) closes idle connections when it scales to zero.
        pool_pre_ping=True,
        pool_recycle=300,
        connect_args=connect_args,
        # Errors and logs never carry the statement's parameters (emails, password hashes).
        hide_parameters=True,
    )
    if timeouts is not None and is_pooled(url.host):
        statement = session_settings(timeouts)

        def _set_timeouts(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(statement)
            dbapi_connection.commit()

        event.listen(engine, "connect", _set_timeouts)
    return engine


def session_factory(engine: Engine) -> SessionFactory:
    """Sessions for requests; on SQLite, those that will write begin IMMEDIATE."""
    writer = (
        engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}) if engine.dialect.name == "sqlite" else engine
    )

    def make_session(*, write: bool) -> Session:
        return Session(writer if write else engine, expire_on_commit=False)

    return make_session


# Committing and closing get threads of their own. If they queued behind requests that wait
# for a pooled connection, while holding the very connections those requests wait for, the
# server would deadlock under load (every worker thread waiting for a connection, every
# connection waiting for a worker thread to give it back).
_release_limiter: anyio.CapacityLimiter | None = None


def release_limiter() -> anyio.CapacityLimiter:
    global _release_limiter  # noqa: PLW0603  (created lazily: it needs a running event loop)
    if _release_limiter is None:
        _release_limiter = anyio.CapacityLimiter(64)
    return _release_limiter


@asynccontextmanager
async def session_scope(make_session: SessionFactory, *, write: bool) -> AsyncIterator[Session]:
    """A session that commits if the request succeeded and rolls back otherwise."""
    session = make_session(write=write)
    try:
        yield session
    except BaseException:
        await anyio.to_thread.run_sync(session.rollback, limiter=release_limiter())
        raise
    else:
        await anyio.to_thread.run_sync(session.commit, limiter=release_limiter())
    finally:
        await anyio.to_thread.run_sync(session.close, limiter=release_limiter())
