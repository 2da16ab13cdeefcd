"""Engines and the per-request session: one session per request, committed or rolled back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session, create_engine

POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg"}


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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
    # savepoints and transactional DDL behave as on PostgreSQL (SQLAlchemy's pysqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def build_engine(raw_url: str, *, pool_size: int = 10, max_overflow: int = 10) -> Engine:
    url = normalize_url(raw_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
        return engine
    connect_args: dict[str, Any] = {}
    if url.host and "-pooler." in url.host:
        # Neon's pooled endpoints run PgBouncer in transaction mode: server-side prepared
        # statements would land on other backends.
        connect_args["prepare_threshold"] = None
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        # Serverless PostgreSQL (Neon) closes idle connections when it scales to zero.
        pool_pre_ping=True,
        pool_recycle=300,
        connect_args=connect_args,
    )


def session_factory(engine: Engine) -> Callable[[], Session]:
    return lambda: Session(engine, expire_on_commit=False)


def session_scope(make_session: Callable[[], Session]) -> Iterator[Session]:
    """Yield a session that commits if the request succeeded and rolls back otherwise."""
    with make_session() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()
