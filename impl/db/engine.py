"""From DATABASE_URL to a database: the async `Database` that requests use, and a SQLAlchemy
engine for the migrations and for maintenance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url
from sqlmodel import create_engine

from impl.db.database import Database, DatabaseLimits
from impl.db.postgres import PostgresDriver
from impl.db.sqlite import SqliteDriver
from impl.settings import Settings

POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg"}
SQLITE_SCHEMES = {"sqlite", "sqlite+pysqlite"}
# What a unit of work may take beyond the statement timeout before the service gives up on
# the database (a server that hangs instead of timing out its statements).
DEADLINE_MARGIN_SECONDS = 2.0
# Every query of the service walks an index in the order it needs (tests/test_query_plans.py);
# a planner without statistics would sometimes sort instead, so sorts are ruled out. A plan
# that still needs a sort then carries the penalty cost of a disabled node, which is enough to
# set off JIT compilation (tens of milliseconds for a read of an empty table): these are short
# statements, never worth compiling, so JIT is off too.
PLANNER_SETTINGS = ("enable_sort = off", "jit = off")


def normalize_url(raw_url: str) -> URL:
    """Map the plain postgres(ql):// URLs that Neon and other hosts hand out to psycopg 3.

    Query options (sslmode, channel_binding, options...) pass through to libpq unchanged.
    """
    url = make_url(raw_url)
    if url.drivername in POSTGRES_SCHEMES:
        return url.set(drivername="postgresql+psycopg")
    if url.drivername in SQLITE_SCHEMES:
        return url
    raise ValueError(f"unsupported DATABASE_URL scheme {url.drivername!r}: use postgresql:// or sqlite:///")


def is_behind_pooler(url: URL) -> bool:
    # Neon's pooled endpoints (PgBouncer in transaction mode) have "-pooler" in the host.
    return bool(url.host and "-pooler." in url.host)


def build_database(settings: Settings) -> Database:
    url = normalize_url(settings.database_url)
    limits = DatabaseLimits(
        pool_size=settings.database_pool_size,
        pool_timeout=settings.database_pool_timeout_seconds,
        max_waiting=settings.database_max_waiting,
        deadline=settings.database_statement_timeout_ms / 1000 + DEADLINE_MARGIN_SECONDS,
        connect_timeout=settings.database_connect_timeout_seconds,
    )
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:":
            raise ValueError("DATABASE_URL must name a SQLite file (sqlite:///path/to/tasks.db)")
        return Database(SqliteDriver(database, busy_timeout_ms=settings.database_lock_timeout_ms), limits)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    driver = PostgresDriver(
        conninfo,
        connect_timeout=settings.database_connect_timeout_seconds,
        statement_timeout_ms=settings.database_statement_timeout_ms,
        lock_timeout_ms=settings.database_lock_timeout_ms,
        behind_pooler=is_behind_pooler(url),
        planner=PLANNER_SETTINGS,
    )
    return Database(driver, limits)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
    # transactional DDL behaves as on PostgreSQL (SQLAlchemy's pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        connection.exec_driver_sql("BEGIN")


def build_engine(raw_url: str) -> Engine:
    """A synchronous SQLAlchemy engine: Alembic migrations, tests that look at the tables."""
    url = normalize_url(raw_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {"prepare_threshold": None} if is_behind_pooler(url) else {}
    return create_engine(
        url, pool_pre_ping=True, pool_recycle=300, connect_args=connect_args, hide_parameters=True
    )
